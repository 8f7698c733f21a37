using BenchmarkDotNet.Attributes;
using OpenCvSharp;
using PersonalFer.Data;
using PersonalFer.Detection;
using PersonalFer.Model;

namespace PersonalFer.Benchmarks;

/// <summary>
/// What a user calls, with default settings and the shipped model: <c>Classify</c> end to end on a real 640×480
/// frame with one face, and <c>FineTune</c> on 35 face crops, 5 per expression; natively and AVX2-only.
/// A non-default variant shows what the default detection size buys: detection at 320 (small faces).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(NativeAndAvx2Config))]
public class PipelineBenchmarks
{
    private Mat? _frame;
    private YuNetFaceDetector? _detector;
    private ExpressionModel? _model;
    private ExpressionPipeline? _pipeline;
    private YuNetFaceDetector? _detector320;
    private ExpressionPipeline? _pipeline320;
    private Personalizer? _personalizer;
    private LabelledImages _samples = [];

    [GlobalSetup]
    public void Setup()
    {
        _frame = RealFrame.Create640x480();
        _detector = new YuNetFaceDetector();
        _model = ExpressionModel.LoadDefault();
        _pipeline = new ExpressionPipeline(_detector, _model);
        _detector320 = new YuNetFaceDetector(new YuNetOptions { MaxDetectionSide = 320 });
        _pipeline320 = new ExpressionPipeline(_detector320, _model);
        _personalizer = new Personalizer(_detector, _model, generalFaces: null);
        _samples = FineTuneSamples.FaceCrops();
    }

    [Benchmark(Description = "Classify a 640x480 frame with one face (detect + preprocess + CNN)")]
    public int Classify() => _pipeline!.Classify(_frame!).Count;

    [Benchmark(Description = "Classify, detecting at 320x240 (small faces)")]
    public int ClassifyDetecting320() => _pipeline320!.Classify(_frame!).Count;

    [Benchmark(Description = "FineTune on 35 face crops (5 per expression), replaying 2,000 general faces")]
    public int FineTune()
    {
        using var profile = _personalizer!.FineTune(_samples).Profile;
        return profile.FacesPerExpression[0];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _detector?.Dispose();
        _detector320?.Dispose();
        _model?.Dispose();
        _frame?.Dispose();
    }
}
