namespace PersonalFer.Data;

/// <summary>
/// The base of every error PersonalFer raises on its own: catch it to handle all of them. Invalid arguments use the
/// standard <see cref="ArgumentException"/> family and files or folders that are not there the standard
/// <see cref="FileNotFoundException"/> / <see cref="DirectoryNotFoundException"/>.
/// </summary>
public abstract class PersonalFerException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected PersonalFerException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
