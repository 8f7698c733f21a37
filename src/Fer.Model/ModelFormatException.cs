namespace PersonalFer.Model;

/// <summary>A model file is corrupt, truncated, of another version, or does not match what was asked for.</summary>
public sealed class ModelFormatException : Exception
{
    /// <summary>Creates the exception; the message starts with the file.</summary>
    public ModelFormatException(string file, string problem, Exception? inner = null)
        : base($"{file}: {problem}", inner)
    {
        File = file;
    }

    /// <summary>The offending file.</summary>
    public string File { get; }
}
