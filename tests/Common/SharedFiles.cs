namespace PersonalFer.Tests;

/// <summary>
/// The team's shared data (<c>../shared</c> next to the repository, or <c>$PERSONALFER_SHARED</c>): FER2013,
/// JAFFE-dev, YuNet and real photos. Tests that need it skip with a clear reason when it is absent.
/// </summary>
internal static class SharedFiles
{
    private static readonly Lazy<string?> RootDirectory = new(FindRoot);

    public static string? Root => RootDirectory.Value;

    /// <summary>The full path of <paramref name="relativePath"/> under shared/, or skips the test.</summary>
    public static string Require(string relativePath)
    {
        var root = Root;
        Assert.SkipWhen(root is null, "../shared is absent (set PERSONALFER_SHARED to its path to run this test).");
        var path = Path.Combine(root!, relativePath);
        Assert.SkipUnless(File.Exists(path) || Directory.Exists(path), $"shared/{relativePath} is absent.");
        return path;
    }

    /// <summary>The repository root (the folder holding PersonalFer.sln).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static string? FindRoot()
    {
        if (Environment.GetEnvironmentVariable("PERSONALFER_SHARED") is { Length: > 0 } explicitRoot)
        {
            return Directory.Exists(explicitRoot) ? explicitRoot : null;
        }

        var candidate = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared"));
        return Directory.Exists(candidate) ? candidate : null;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PersonalFer.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"PersonalFer.sln not found above {AppContext.BaseDirectory}");
    }
}
