using PersonalFer.Data;

namespace PersonalFer.Benchmarks;

/// <summary>Finds the shared FER2013 file the benchmarks read.</summary>
internal static class BenchmarkData
{
    /// <summary>The shared folder: $PERSONALFER_SHARED, else ../shared next to the repository.</summary>
    public static string SharedDirectory =>
        Environment.GetEnvironmentVariable("PERSONALFER_SHARED") is { Length: > 0 } root ? root : FindSharedNextToRepository();

    public static string Fer2013Path
    {
        get
        {
            var path = Path.Combine(SharedDirectory, "data", "fer2013", "fer2013.csv.gz");
            return File.Exists(path) ? path : throw new FileNotFoundException($"FER2013 not found at {path}; set PERSONALFER_SHARED.", path);
        }
    }

    public static FaceDataset TrainingSubset(int count) =>
        Fer2013.Load(Fer2013Path).Training.Select(Enumerable.Range(0, count).ToArray());

    private static string FindSharedNextToRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PersonalFer.sln")))
            {
                return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
            }
        }

        throw new DirectoryNotFoundException("PersonalFer.sln not found above the benchmark binaries; set PERSONALFER_SHARED.");
    }
}
