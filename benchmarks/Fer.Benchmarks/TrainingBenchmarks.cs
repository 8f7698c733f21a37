using BenchmarkDotNet.Attributes;
using PersonalFer.Data;
using PersonalFer.Model;

namespace PersonalFer.Benchmarks;

/// <summary>
/// Training throughput: one epoch over 640 real FER2013 faces with the default augmentation (10 steps at batch 64,
/// 5 at 128), validating on 64 faces. Images/s = 640 / mean time.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class TrainingBenchmarks
{
    private FaceDataset _training = FaceDataset.Empty;
    private FaceDataset _validation = FaceDataset.Empty;
    private ExpressionModel? _model;

    [Params(ModelArchitecture.Seed, ModelArchitecture.VggBn)]
    public ModelArchitecture Architecture { get; set; }

    [Params(64, 128)]
    public int BatchSize { get; set; }

    [Params(2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var faces = BenchmarkData.TrainingSubset(704);
        _training = faces.Select(Enumerable.Range(0, 640).ToArray());
        _validation = faces.Select(Enumerable.Range(640, 64).ToArray());
        _model = ExpressionModel.Create(Architecture, seed: 1);
    }

    [Benchmark(Description = "Train 640 faces")]
    public int TrainOneEpoch() =>
        new Trainer().Train(_model!, _training, _validation, new TrainingOptions { Epochs = 1, BatchSize = BatchSize, Threads = Threads, Schedule = LearningRateSchedule.Constant }).History.Count;

    [GlobalCleanup]
    public void Cleanup() => _model?.Dispose();
}
