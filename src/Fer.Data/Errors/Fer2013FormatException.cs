namespace PersonalFer.Data;

/// <summary>
/// A FER2013 file is malformed. The message names the file, the line (1-based, header included; 0 when the
/// problem is not on one line) and the problem.
/// </summary>
public sealed class Fer2013FormatException : PersonalFerFormatException
{
    /// <summary>Creates the exception.</summary>
    public Fer2013FormatException(string file, long line, string problem, Exception? inner = null)
        : base(file, line > 0 ? $"{file}, line {line}" : file, problem, inner)
    {
        Line = line;
    }

    /// <summary>The 1-based line number, or 0.</summary>
    public long Line { get; }
}
