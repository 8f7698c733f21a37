using PersonalFer.Data;

namespace PersonalFer;

/// <summary>The samples could not be turned into a profile; the message says which and why.</summary>
public sealed class PersonalizationException : PersonalFerException
{
    /// <summary>Creates the exception.</summary>
    public PersonalizationException(string message)
        : base(message)
    {
    }
}
