namespace PersonalFer.Tests;

/// <summary>
/// The data sets that cannot live in the repository: FER2013 and JAFFE-dev under the team's shared folder
/// (<c>../shared</c> next to the repository, or <c>$PERSONALFER_SHARED</c>). Tests that need one skip with a reason
/// naming it when it is absent; everything else the tests use is bundled or made in code. Setting
/// <c>PERSONALFER_SHARED</c> to a folder that does not exist makes the shared folder absent, as in a clean clone.
/// </summary>
internal static class SharedFiles
{
    /// <summary>Where FER2013 (the Kaggle CSV, gzip-compressed) sits in the shared folder.</summary>
    public const string Fer2013CsvPath = "data/fer2013/fer2013.csv.gz";

    /// <summary>Where JAFFE-dev (<c>manifest.csv</c> and <c>images/</c>) sits in the shared folder.</summary>
    public const string JaffeDevPath = "data/jaffe-dev";

    private const string Variable = "PERSONALFER_SHARED";

    private static readonly Lazy<string?> RootDirectory = new(FindRoot);

    /// <summary>The shared folder, or null when it is absent.</summary>
    public static string? Root => RootDirectory.Value;

    /// <summary>The full path of FER2013's CSV, or skips the test.</summary>
    public static string Fer2013Csv => Require(Fer2013CsvPath);

    /// <summary>The full path of the JAFFE-dev folder, or skips the test.</summary>
    public static string JaffeDev => Require(JaffeDevPath);

    /// <summary>The repository root (the folder holding PersonalFer.sln).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>
    /// The full path of data set <paramref name="relativePath"/> (under <c>data/</c>) in the shared folder, or skips
    /// the test. Only data sets come from there: photos and models the tests use are bundled with the repository.
    /// </summary>
    /// <exception cref="ArgumentException">The path is not under <c>data/</c>.</exception>
    public static string Require(string relativePath) => RequireAll(relativePath)[0];

    /// <summary>The full paths of several data sets, or skips the test with a reason naming every one missing.</summary>
    /// <exception cref="ArgumentException">A path is not under <c>data/</c>.</exception>
    public static string[] RequireAll(params string[] relativePaths)
    {
        foreach (var relativePath in relativePaths)
        {
            if (!relativePath.StartsWith("data/", StringComparison.Ordinal))
            {
                throw new ArgumentException(
                    $"shared/{relativePath} is not a data set: a test input other than FER2013 or JAFFE must be bundled (as media/astronaut.png is) or made by the test, so the test runs without ../shared.",
                    nameof(relativePaths));
            }
        }

        var root = Root;
        var paths = relativePaths.Select(p => root is null ? null : Path.Combine(root, p)).ToArray();
        var missing = relativePaths.Where((_, i) => paths[i] is not { } path || !(File.Exists(path) || Directory.Exists(path))).ToArray();
        if (missing.Length > 0)
        {
            var names = string.Join(" and ", missing.Select(DatasetName).Distinct());
            var where = string.Join(", ", missing.Select(p => $"shared/{p}"));
            var why = root is null
                ? $"../shared is absent. Set {Variable} to the shared folder to run it."
                : $"{where} is absent from {root}.";
            Assert.Skip($"Needs the {names} data set{(missing.Length > 1 ? "s" : "")} ({where}), which {(missing.Length > 1 ? "are" : "is")} not part of the repository: {why}");
        }

        return [.. paths.Select(p => p!)];
    }

    private static string DatasetName(string relativePath) =>
        relativePath.StartsWith("data/fer2013", StringComparison.Ordinal) ? "FER2013"
        : relativePath.StartsWith(JaffeDevPath, StringComparison.Ordinal) ? "JAFFE-dev"
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
