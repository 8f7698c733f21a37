using BenchmarkDotNet.Attributes;
using PersonalFer.Model;

namespace PersonalFer.Benchmarks;

/// <summary>CNN inference on real faces: one face, and a batch of 64.</summary>
[MemoryDiagnoser]
public class InferenceBenchmarks
{
    private byte[] _one = [];
    private byte[] _batch = [];
    private ExpressionModel? _model;

    [Params(ModelArchitecture.Seed, ModelArchitecture.VggBn, ModelArchitecture.VggBnCompact)]
    public ModelArchitecture Architecture { get; set; }

    [Params(InferencePrecision.Float32, InferencePrecision.BFloat16)]
    public InferencePrecision Precision { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var faces = BenchmarkData.TrainingSubset(64);
        _batch = faces.Pixels.ToArray();
        _one = faces.Image(0).ToArray();
        // The shipped weights for the default network, seeded ones for the others; speed does not depend on the values.
        _model = Architecture == ModelArchitecture.VggBn ? ExpressionModel.LoadDefault() : ExpressionModel.Create(Architecture, seed: 1);
        _model.Precision = Precision;
    }

    [Benchmark(Baseline = true, Description = "Classify 1 face")]
    public float OneFace() => _model!.PredictProbabilities(_one, 1)[0];

    [Benchmark(Description = "Classify 64 faces (batched)")]
    public float SixtyFourFaces() => _model!.PredictProbabilities(_batch, 64)[0];

    [GlobalCleanup]
    public void Cleanup() => _model?.Dispose();
}
