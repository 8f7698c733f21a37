namespace PersonalFer.Data;

/// <summary>
/// A FER2013 file is malformed. The message names the file, the line (1-based, header included; 0 when the
/// problem is not on one line) and the problem.
/// </summary>
public sealed class Fer2013FormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public Fer2013FormatException(string file, long line, string problem, Exception? inner = null)
        : base(line > 0 ? $"{file}, line {line}: {problem}" : $"{file}: {problem}", inner)
    {
        File = file;
        Line = line;
        Problem = problem;
    }

    /// <summary>The file that is malformed.</summary>
    public string File { get; }

    /// <summary>The 1-based line number, or 0.</summary>
    public long Line { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }
}
