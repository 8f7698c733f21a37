namespace PersonalFer.Data;

/// <summary>
/// PersonalFer could not write a file it derives at run time (the extracted face detector model, the patched native
/// library) into its cache folder. The message names the folder and the environment variable that moves it.
/// </summary>
public sealed class CacheDirectoryException : PersonalFerException
{
    /// <summary>Creates the exception for <paramref name="directory"/>, movable with <paramref name="environmentVariable"/>.</summary>
    public CacheDirectoryException(string directory, string environmentVariable, Exception? inner = null)
        : base($"PersonalFer could not write to its cache folder {directory}{(inner is null ? "" : $" ({inner.Message})")}; "
            + $"set the environment variable {environmentVariable} to a writable folder.", inner)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentException.ThrowIfNullOrEmpty(environmentVariable);
        Directory = directory;
        EnvironmentVariable = environmentVariable;
    }

    /// <summary>The folder that could not be written.</summary>
    public string Directory { get; }

    /// <summary>The environment variable that chooses another folder.</summary>
    public string EnvironmentVariable { get; }
}
