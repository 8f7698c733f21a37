using PersonalFer.Data;

namespace PersonalFer.Model;

/// <summary>A model file is corrupt, truncated, of another version, or does not match what was asked for.</summary>
public sealed class ModelFormatException : PersonalFerFormatException
{
    /// <summary>Creates the exception; the message starts with the file.</summary>
    public ModelFormatException(string file, string problem, Exception? inner = null)
        : base(file, file, problem, inner)
    {
    }
}
