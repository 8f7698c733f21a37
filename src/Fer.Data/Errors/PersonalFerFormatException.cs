namespace PersonalFer.Data;

/// <summary>A file is there but malformed. The message starts with the file; <see cref="Problem"/> says what is wrong.</summary>
public abstract class PersonalFerFormatException : PersonalFerException
{
    /// <summary>Creates the exception; the message is <paramref name="location"/>, a colon and <paramref name="problem"/>.</summary>
    protected PersonalFerFormatException(string file, string location, string problem, Exception? inner = null)
        : base($"{location}: {problem}", inner)
    {
        File = file;
        Problem = problem;
    }

    /// <summary>The offending file.</summary>
    public string File { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }
}
