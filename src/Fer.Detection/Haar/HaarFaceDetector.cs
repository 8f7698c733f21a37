using OpenCvSharp;
using PersonalFer.Data;

namespace PersonalFer.Detection;

/// <summary>
/// OpenCV's Haar frontal-face cascade, the seed project's detector, embedded in this assembly.
/// Slower and less accurate than YuNet; kept for comparison and for frames where it is preferred.
/// </summary>
public sealed class HaarFaceDetector : IFaceDetector
{
    private const string CascadeResource = "PersonalFer.Detection.haarcascade_frontalface_default.xml";

    // The cascade only accepts or rejects a window: every face it reports gets the same, uncalibrated score.
    private const float Confidence = 1f;

    private readonly CascadeClassifier _cascade;
    private readonly Lock _gate = new();

    /// <summary>Loads the embedded cascade.</summary>
    /// <exception cref="OpenCvRuntimeException">OpenCV's native library is missing or does not load; the message says what to add.</exception>
    public HaarFaceDetector()
    {
        OpenCvRuntime.EnsureLoaded();
        using var stream = typeof(HaarFaceDetector).Assembly.GetManifestResourceStream(CascadeResource)
            ?? throw new InvalidOperationException($"embedded resource {CascadeResource} is missing from Fer.Detection");
        using var reader = new StreamReader(stream);
        using var storage = new FileStorage(reader.ReadToEnd(), FileStorage.Modes.Read | FileStorage.Modes.Memory);
        using var root = storage.GetFirstTopLevelNode()
            ?? throw new InvalidOperationException($"embedded resource {CascadeResource} holds no cascade");
        _cascade = new CascadeClassifier();
        if (!_cascade.Read(root))
        {
            _cascade.Dispose();
            throw new InvalidOperationException($"OpenCV could not read the embedded cascade {CascadeResource}");
        }
    }

    /// <summary>Scale step between pyramid levels; default 1.1, OpenCV's (the seed used 1.3).</summary>
    public double ScaleFactor { get; init; } = 1.1;

    /// <summary>Neighbouring detections a face needs (higher: fewer false positives); default 5.</summary>
    public int MinNeighbors { get; init; } = 5;

    /// <summary>Smallest face side in pixels; default 30.</summary>
    public int MinFaceSize { get; init; } = 30;

    /// <inheritdoc />
    public IReadOnlyList<DetectedFace> Detect(ImageData frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        using var mat = FrameConversion.Wrap(frame);
        return Detect(mat);
    }

    /// <inheritdoc />
    public IReadOnlyList<DetectedFace> Detect(Mat frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        using var gray = FrameConversion.ToGray(frame);
        Rect[] rects;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_cascade.IsDisposed, this);
            rects = _cascade.DetectMultiScale(gray, ScaleFactor, MinNeighbors, HaarDetectionTypes.ScaleImage, new Size(MinFaceSize, MinFaceSize));
        }

        return [.. rects.OrderByDescending(r => r.Width * r.Height).Select(r => new DetectedFace(new FaceBox(r.X, r.Y, r.Width, r.Height), Confidence))];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _cascade.Dispose();
        }
    }
}
