using BenchmarkDotNet.Attributes;
using OpenCvSharp;
using PersonalFer.Data;
using PersonalFer.Detection;

namespace PersonalFer.Benchmarks;

/// <summary>Face detection and preprocessing on a real 640×480 frame with one face.</summary>
[MemoryDiagnoser]
public class DetectionBenchmarks
{
    private Mat? _frame;
    private HaarFaceDetector? _haar;
    private YuNetFaceDetector? _yuNet;
    private YuNetFaceDetector? _yuNet320;
    private YuNetFaceDetector? _yuNetFullSize;
    private DetectedFace _face;
    private readonly byte[] _pixels = new byte[Data.FaceImage.PixelCount];

    [GlobalSetup]
    public void Setup()
    {
        _frame = RealFrame.Create640x480();
        _haar = new HaarFaceDetector();
        _yuNet = new YuNetFaceDetector();
        _yuNet320 = new YuNetFaceDetector(new YuNetOptions { MaxDetectionSide = 320 });
        _yuNetFullSize = new YuNetFaceDetector(new YuNetOptions { MaxDetectionSide = 640 });
        _face = _yuNet.Detect(_frame).Single();
    }

    [Benchmark(Description = "Haar (seed's detector), 640x480")]
    public int Haar() => _haar!.Detect(_frame!).Count;

    [Benchmark(Baseline = true, Description = "YuNet default (detects at 160x120), 640x480")]
    public int YuNet() => _yuNet!.Detect(_frame!).Count;

    [Benchmark(Description = "YuNet detecting at 320x240 (small faces), 640x480")]
    public int YuNet320() => _yuNet320!.Detect(_frame!).Count;

    [Benchmark(Description = "YuNet at full 640x480")]
    public int YuNetFullSize() => _yuNetFullSize!.Detect(_frame!).Count;

    [Benchmark(Description = "Preprocess one face (square box, 48x48 gray)")]
    public byte Preprocess()
    {
        FacePreprocessor.Extract(_frame!, _face, FaceFraming.DetectorBox, _pixels);
        return _pixels[0];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _haar?.Dispose();
        _yuNet?.Dispose();
        _yuNet320?.Dispose();
        _yuNetFullSize?.Dispose();
        _frame?.Dispose();
    }
}
