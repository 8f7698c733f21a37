using BenchmarkDotNet.Attributes;
using PersonalFer.Data;

namespace PersonalFer.Benchmarks;

/// <summary>Target: all 35,887 FER2013 images in ≤ 3 s and ≤ 200 MB managed allocation.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class DatasetLoadBenchmarks
{
    private string _path = "";

    [GlobalSetup]
    public void Setup() => _path = BenchmarkData.Fer2013Path;

    [Benchmark(Description = "Load fer2013.csv.gz (35,887 images)")]
    public int LoadFer2013Gzip() => Fer2013.Load(_path).Count;
}
