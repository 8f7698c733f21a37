namespace PersonalFer.Tests;

/// <summary>
/// The data sets that cannot live in the repository: FER2013 and JAFFE-dev under the team's shared folder
/// (<c>../shared</c> next to the repository, or <c>$PERSONALFER_SHARED</c>). Tests that need one skip with a reason
/// naming it when it is absent; everything else the tests use is bundled or made in code. Setting
/// <c>PERSONALFER_SHARED</c> to a folder that does not exist makes the shared folder absent, as in a clean clone.
/// </summary>
internal static class SharedFiles
{
    private const string Variable = "PERSONALFER_SHARED";

    private static readonly Lazy<string?> RootDirectory = new(FindRoot);

    /// <summary>The shared folder, or null when it is absent.</summary>
    public static string? Root => RootDirectory.Value;

    /// <summary>FER2013 as the Kaggle CSV, gzip-compressed, or skips the test.</summary>
    public static string Fer2013Csv => Require("data/fer2013/fer2013.csv.gz");

    /// <summary>The JAFFE-dev folder (<c>manifest.csv</c> and <c>images/</c>), or skips the test.</summary>
    public static string JaffeDev => Require("data/jaffe-dev");

    /// <summary>The repository root (the folder holding PersonalFer.sln).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>
    /// The full path of data set <paramref name="relativePath"/> (under <c>data/</c>) in the shared folder, or skips
    /// the test. Only data sets come from there: photos and models the tests use are bundled with the repository.
    /// </summary>
    /// <exception cref="ArgumentException">The path is not under <c>data/</c>.</exception>
    public static string Require(string relativePath)
    {
        if (!relativePath.StartsWith("data/", StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"shared/{relativePath} is not a data set: a test input other than FER2013 or JAFFE must be bundled (as media/astronaut.png is) or made by the test, so the test runs without ../shared.",
                nameof(relativePath));
        }

        var dataset = DatasetName(relativePath);
        var root = Root;
        Assert.SkipWhen(root is null,
            $"Needs the {dataset} data set (shared/{relativePath}), which is not part of the repository: ../shared is absent. Set {Variable} to the shared folder to run it.");
        var path = Path.Combine(root!, relativePath);
        Assert.SkipUnless(File.Exists(path) || Directory.Exists(path),
            $"Needs the {dataset} data set, which is not part of the repository: {path} is absent.");
        return path;
    }

    private static string DatasetName(string relativePath) =>
        relativePath.StartsWith("data/fer2013", StringComparison.Ordinal) ? "FER2013"
        : relativePath.StartsWith("data/jaffe-dev", StringComparison.Ordinal) ? "JAFFE-dev"
        : relativePath;

    private static string? FindRoot()
    {
        // An explicit path wins, and a path that does not exist means "absent" (no fallback to ../shared).
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } explicitRoot)
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
