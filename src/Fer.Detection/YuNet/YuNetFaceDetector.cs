using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using OpenCvSharp;
using PersonalFer.Data;

namespace PersonalFer.Detection;

/// <summary>
/// OpenCV's YuNet face detector (MIT, embedded in this assembly): boxes, scores and five landmarks. PersonalFer's
/// default detector — far more accurate and faster than Haar. OpenCV fixes YuNet's input size when the detector
/// is created, so frames are shrunk to at most <see cref="YuNetOptions.MaxDetectionSide"/> and one OpenCV detector
/// is kept per input size, for the last four sizes: a video builds one, and clients whose cameras differ in shape
/// share the detector without rebuilding it on every frame.
/// </summary>
public sealed class YuNetFaceDetector : IFaceDetector
{
    private const string ModelName = "face_detection_yunet_2023mar";
    private const string ModelResource = $"PersonalFer.Detection.{ModelName}.onnx";

    // Hex digits of the model's SHA-256 in the cached file name: a changed model never reuses a stale file.
    private const int HashDigitsInFileName = 12;
    // PublicationOnly: a failed extraction (an unwritable cache) is retried by the next detector, once it is fixed.
    private static readonly Lazy<string> ModelPath = new(ExtractModel, LazyThreadSafetyMode.PublicationOnly);
    private readonly YuNetOptions _options;
    private readonly Lock _gate = new();
    private const int CachedSizes = 4;

    // Most recently used first.
    private readonly List<(Size Size, FaceDetectorYN Detector)> _detectors = [];
    private bool _disposed;

    /// <summary>Creates the detector; the first one writes the embedded model into the cache folder (OpenCV reads files only).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="OpenCvRuntimeException">OpenCV's native library is missing or does not load; the message says what to add.</exception>
    /// <exception cref="CacheDirectoryException">The model cannot be written to the cache folder; the message names it.</exception>
    public YuNetFaceDetector(YuNetOptions? options)
        : this(options, logger: null)
    {
    }

    /// <summary>
    /// Creates the detector and logs its settings and where its model file is cached; the first one writes the
    /// embedded model into the cache folder (OpenCV reads files only).
    /// </summary>
    /// <param name="options">Settings; null: the defaults.</param>
    /// <param name="logger">Where the detector's events go; null: nowhere.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="OpenCvRuntimeException">OpenCV's native library is missing or does not load; the message says what to add.</exception>
    /// <exception cref="CacheDirectoryException">The model cannot be written to the cache folder; the message names it.</exception>
    public YuNetFaceDetector(YuNetOptions? options = null, ILogger? logger = null)
    {
        _options = options ?? new YuNetOptions();
        _options.Validate();
        OpenCvRuntime.EnsureLoaded();
        var modelPath = ModelPath.Value;
        if (logger is not null)
        {
            Log.YuNetCreated(logger, _options.MaxDetectionSide, _options.ScoreThreshold, _options.NmsThreshold, _options.TopK);
            Log.YuNetModelCached(logger, modelPath, CacheDirectory.Root);
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<DetectedFace> Detect(ImageData frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        using var mat = FrameConversion.Wrap(frame);
        return Detect(mat);
    }

    /// <inheritdoc />
    public IReadOnlyList<DetectedFace> Detect(Mat frame) =>
        _options.UseOpenCvThreadPool ? DetectOnOpenCvThreads(frame) : CallingThreadOpenCv.Run(() => DetectOnOpenCvThreads(frame));

    // The detection as OpenCV's thread count has it: on the pool, or on the calling thread inside CallingThreadOpenCv.
    private IReadOnlyList<DetectedFace> DetectOnOpenCvThreads(Mat frame)
    {
        var channels = FrameConversion.ChannelsOf(frame);
        // Shrunk first, then converted to BGR: area averaging works on each channel alone and the conversions only
        // copy or drop channels, so the input is the same as converting the whole frame first, for a fraction of it.
        var scale = Math.Min(1.0, _options.MaxDetectionSide / (double)Math.Max(frame.Width, frame.Height));
        using var small = scale < 1 ? AreaShrink.To(frame, new Size(Math.Max(1, (int)Math.Round(frame.Width * scale)), Math.Max(1, (int)Math.Round(frame.Height * scale)))) : null;
        using var converted = channels == FrameConversion.BgrChannels ? null : FrameConversion.ToBgr(small ?? frame);
        var input = converted ?? small ?? frame;
        var xScale = frame.Width / (double)input.Width;
        var yScale = frame.Height / (double)input.Height;

        using var rows = new Mat();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            DetectorFor(input.Size()).Detect(input, rows);
        }

        var count = rows.Rows;
        var values = count == 0 ? [] : rows.GetArray(out float[] data) ? data : [];
        var columns = count == 0 ? 0 : values.Length / count;
        if (count > 0 && columns < YuNetOutput.Columns)
        {
            throw new InvalidOperationException($"YuNet returned {columns} values per face; expected {YuNetOutput.Columns}.");
        }

        var faces = new List<DetectedFace>(count);
        for (var r = 0; r < count; r++)
        {
            float At(int column) => values[(r * columns) + column];
            FacePoint Point(int xColumn) => new((float)(At(xColumn) * xScale), (float)(At(xColumn + 1) * yScale));
            var box = Clip(
                At(YuNetOutput.BoxX) * xScale, At(YuNetOutput.BoxY) * yScale, At(YuNetOutput.BoxWidth) * xScale, At(YuNetOutput.BoxHeight) * yScale,
                frame.Width, frame.Height);
            if (box.Width <= 0 || box.Height <= 0)
            {
                continue;
            }

            var landmarks = new FaceLandmarks(
                Point(YuNetOutput.RightEyeX), Point(YuNetOutput.LeftEyeX), Point(YuNetOutput.NoseX),
                Point(YuNetOutput.RightMouthCornerX), Point(YuNetOutput.LeftMouthCornerX));
            faces.Add(new DetectedFace(box, At(YuNetOutput.Score), landmarks));
        }

        return [.. faces.OrderByDescending(f => f.Box.Width * f.Box.Height)];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var (_, detector) in _detectors)
            {
                detector.Dispose();
            }

            _detectors.Clear();
        }
    }

    private FaceDetectorYN DetectorFor(Size size)
    {
        var index = _detectors.FindIndex(d => d.Size == size);
        if (index >= 0)
        {
            var used = _detectors[index];
            _detectors.RemoveAt(index);
            _detectors.Insert(0, used);
            return used.Detector;
        }

        if (_detectors.Count == CachedSizes)
        {
            _detectors[^1].Detector.Dispose();
            _detectors.RemoveAt(_detectors.Count - 1);
        }

        var created = FaceDetectorYN.Create(ModelPath.Value, config: "", size, _options.ScoreThreshold, _options.NmsThreshold, _options.TopK);
        _detectors.Insert(0, (size, created));
        return created;
    }

    private static FaceBox Clip(double x, double y, double width, double height, int frameWidth, int frameHeight)
    {
        var left = (int)Math.Round(Math.Clamp(x, 0, frameWidth));
        var top = (int)Math.Round(Math.Clamp(y, 0, frameHeight));
        var right = (int)Math.Round(Math.Clamp(x + width, 0, frameWidth));
        var bottom = (int)Math.Round(Math.Clamp(y + height, 0, frameHeight));
        return new FaceBox(left, top, right - left, bottom - top);
    }

    /// <summary>OpenCV loads ONNX models from files only: the embedded model is written once to the cache.</summary>
    private static string ExtractModel()
    {
        using var stream = typeof(YuNetFaceDetector).Assembly.GetManifestResourceStream(ModelResource)
            ?? throw new InvalidOperationException($"embedded resource {ModelResource} is missing from Fer.Detection");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        var bytes = memory.ToArray();
        var hash = Convert.ToHexString(SHA256.HashData(bytes))[..HashDigitsInFileName].ToLowerInvariant();
        var path = Path.Combine(CacheDirectory.Root, "models", $"{ModelName}-{hash}.onnx");
        CacheDirectory.Write(path, bytes);
        return path;
    }
}
