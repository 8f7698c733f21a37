namespace PersonalFer.Data;

/// <summary>
/// Where PersonalFer keeps files it derives at run time (a patched native library, an extracted detector model):
/// <c>$PERSONALFER_CACHE</c>, else <c>$XDG_CACHE_HOME/personalfer</c>, else <c>~/.cache/personalfer</c>, else the temp folder.
/// Nothing is written there until a feature that needs it is first used.
/// </summary>
public static class CacheDirectory
{
    /// <summary>The environment variable that chooses the cache root.</summary>
    internal const string Variable = "PERSONALFER_CACHE";

    /// <summary>The cache root (not created until something is written).</summary>
    public static string Root
    {
        get
        {
            if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } explicitRoot)
            {
                return explicitRoot;
            }

            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            var root = !string.IsNullOrEmpty(xdg) ? xdg
                : !string.IsNullOrEmpty(home) ? Path.Combine(home, ".cache")
                : Path.GetTempPath();
            return Path.Combine(root, "personalfer");
        }
    }

    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="path"/> unless it already holds exactly that, through a
    /// temporary file renamed into place, so readers (other processes too) never see a partial file.
    /// </summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (File.Exists(path) && new FileInfo(path).Length == content.Length && File.ReadAllBytes(path).AsSpan().SequenceEqual(content))
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var file = File.Create(temporary))
            {
                file.Write(content);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// <see cref="WriteAtomically"/> for a file of the cache: a folder that cannot be written becomes a
    /// <see cref="CacheDirectoryException"/> naming it and <paramref name="variable"/>, the setting that moves it.
    /// </summary>
    internal static void Write(string path, ReadOnlySpan<byte> content, string variable = Variable)
    {
        try
        {
            WriteAtomically(path, content);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CacheDirectoryException(Path.GetDirectoryName(Path.GetFullPath(path))!, variable, e);
        }
    }
}
