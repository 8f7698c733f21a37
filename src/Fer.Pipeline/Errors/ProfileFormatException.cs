using PersonalFer.Data;

namespace PersonalFer;

/// <summary>A profile file is corrupt, of another version, or made for other general model weights or another framing.</summary>
public sealed class ProfileFormatException : PersonalFerFormatException
{
    /// <summary>Creates the exception; the message starts with the file.</summary>
    public ProfileFormatException(string file, string problem, Exception? inner = null)
        : base(file, file, problem, inner)
    {
    }
}
