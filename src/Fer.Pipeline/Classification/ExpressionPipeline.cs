using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;
using PersonalFer.Data;
using PersonalFer.Detection;
using PersonalFer.Model;

namespace PersonalFer;

/// <summary>
/// Frames in, expressions out: detects every face, crops each with the model's <see cref="ExpressionModel.Framing"/>,
/// and classifies them in a single batch. Safe to call from several threads: detection runs concurrently, and the
/// model serializes its own network.
/// </summary>
public sealed class ExpressionPipeline
{
    // Whether a profile was used: the one tag of the Classify metrics (profile names would be personal and unbounded).
    private const string PersonalizedTag = "personalfer.personalized";

    private readonly IFaceDetector _detector;
    private readonly ExpressionModel _model;
    // The plain mid-grey frame the warm-up detects on.
    private const double WarmUpGray = 128;

    private readonly ExpressionPipelineOptions _options;
    private readonly ILogger _logger;
    private readonly PersonalFerTelemetry _telemetry;

    // The general weights are fixed once the pipeline serves; profiles must belong to them.
    private readonly Lazy<string> _modelFingerprint;

    /// <summary>Composes a detector and a model; the pipeline does not own them (their creator disposes them).</summary>
    public ExpressionPipeline(IFaceDetector detector, ExpressionModel model, ExpressionPipelineOptions? options = null, ILogger<ExpressionPipeline>? logger = null)
        : this(detector, model, options, logger, PersonalFerTelemetry.Shared)
    {
    }

    // The container passes instruments on its own IMeterFactory's meter.
    internal ExpressionPipeline(IFaceDetector detector, ExpressionModel model, ExpressionPipelineOptions? options, ILogger<ExpressionPipeline>? logger, PersonalFerTelemetry telemetry)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(model);
        _options = options ?? new ExpressionPipelineOptions();
        _options.Validate();
        _detector = detector;
        _model = model;
        _logger = logger ?? NullLogger<ExpressionPipeline>.Instance;
        _telemetry = telemetry;
        _modelFingerprint = new Lazy<string>(model.Fingerprint);
    }

    /// <summary>Every face in a BGR, BGRA or gray 8-bit frame with its expression, largest face first.</summary>
    /// <exception cref="ArgumentException">The frame is empty or of an unsupported type.</exception>
    /// <param name="frame">The frame.</param>
    /// <param name="profile">A person's profile to classify with instead of the general head, or null.</param>
    public IReadOnlyList<FaceExpression> Classify(Mat frame, PersonalProfile? profile = null) =>
        PersonalFerTelemetry.Measure(PersonalFerDiagnostics.ClassifyActivity, _telemetry.ClassifyDuration, [new(PersonalizedTag, profile is not null)], activity =>
        {
            var results = ClassifyFaces(frame, profile);
            _telemetry.FacesPerFrame.Record(results.Count, new KeyValuePair<string, object?>(PersonalizedTag, profile is not null));
            activity?.SetTag("personalfer.faces", results.Count);
            return results;
        });

    /// <summary>Every face in a raw frame with its expression, largest face first.</summary>
    public IReadOnlyList<FaceExpression> Classify(ImageData frame, PersonalProfile? profile = null)
    {
        ArgumentNullException.ThrowIfNull(frame);
        using var mat = FrameConversion.Wrap(frame);
        return Classify(mat, profile);
    }

    private IReadOnlyList<FaceExpression> ClassifyFaces(Mat frame, PersonalProfile? profile)
    {
        if (profile is not null && profile.BaseModelFingerprint != _modelFingerprint.Value)
        {
            throw Refused(profile, "it was trained on other general model weights than this pipeline's");
        }

        if (profile is not null && profile.Framing != _model.Framing)
        {
            throw Refused(profile, $"it was trained on faces framed as '{profile.Framing}', but this pipeline's model frames them as '{_model.Framing}'; fine-tune the profile again");
        }

        var faces = _detector.Detect(frame);
        if (faces.Count == 0)
        {
            return [];
        }

        var used = faces.Count > _options.MaxFaces ? faces.Take(_options.MaxFaces).ToArray() : faces;
        if (used.Count < faces.Count)
        {
            Log.FacesDropped(_logger, faces.Count, used.Count);
        }

        var pixels = new byte[used.Count * FaceImage.PixelCount];
        for (var i = 0; i < used.Count; i++)
        {
            FacePreprocessor.Extract(frame, used[i], _model.Framing, pixels.AsSpan(i * FaceImage.PixelCount));
        }

        var probabilities = _model.PredictProbabilities(pixels, used.Count, profile?.Head);

        var results = new FaceExpression[used.Count];
        for (var i = 0; i < used.Count; i++)
        {
            var row = probabilities.AsSpan(i * Expressions.Count, Expressions.Count).ToArray();
            var best = Array.IndexOf(row, row.Max());
            results[i] = new FaceExpression(used[i].Box, used[i].Confidence, used[i].Landmarks, (Expression)best, row[best], row);
        }

        return results;
    }

    private ArgumentException Refused(PersonalProfile profile, string reason)
    {
        Log.ProfileRefusedByPipeline(_logger, profile.Name, reason);
        return new ArgumentException($"Profile '{profile.Name}' is refused: {reason}.", nameof(profile));
    }

    /// <summary>
    /// Every face in an encoded PNG, JPEG, BMP or WebP image (an upload, a request body), largest face first. The
    /// bytes are not trusted: see <see cref="ImageData.Decode(ReadOnlySpan{byte}, string?)"/> for the checks made before anything is decoded.
    /// The decoded frame lives only for this call.
    /// </summary>
    /// <param name="encodedImage">The encoded image.</param>
    /// <param name="profile">A person's profile to classify with instead of the general head, or null.</param>
    /// <exception cref="ImageFormatException">
    /// No bytes, not a PNG, JPEG, BMP or WebP image, a declared size over <see cref="ImageData.MaxSide"/> or
    /// <see cref="ImageData.MaxDecodedPixels"/>, unreadable, or not 8-bit.
    /// </exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Overloads differ in their first parameter (Mat, ImageData, encoded bytes or a stream), like the two shipped Classify overloads; no call can bind to another overload.")]
    public IReadOnlyList<FaceExpression> Classify(ReadOnlySpan<byte> encodedImage, PersonalProfile? profile = null) =>
        ClassifyEncoded(encodedImage, ImageData.DefaultEncodedSource, profile);

    /// <summary>
    /// Every face in an encoded image read from <paramref name="encodedImage"/> (left open; it need not seek), at
    /// most <see cref="ImageData.MaxEncodedBytes"/>. In ASP.NET Core, where request bodies refuse synchronous reads,
    /// use <see cref="ClassifyAsync"/>.
    /// </summary>
    /// <exception cref="ImageFormatException">
    /// As for <see cref="Classify(ReadOnlySpan{byte}, PersonalProfile?)"/>, or the stream holds more than
    /// <see cref="ImageData.MaxEncodedBytes"/>.
    /// </exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Overloads differ in their first parameter (Mat, ImageData, encoded bytes or a stream), like the two shipped Classify overloads; no call can bind to another overload.")]
    public IReadOnlyList<FaceExpression> Classify(Stream encodedImage, PersonalProfile? profile = null)
    {
        ArgumentNullException.ThrowIfNull(encodedImage);
        var source = StreamBuffer.Describe(encodedImage, ImageData.DefaultEncodedSource);
        return ClassifyEncoded(ReadEncoded(source, () => StreamBuffer.ReadAll(encodedImage, ImageData.MaxEncodedBytes)), source, profile);
    }

    /// <summary>
    /// <see cref="Classify(Stream, PersonalProfile?)"/> with the stream read asynchronously; the image is then
    /// decoded and classified on the calling thread (a few milliseconds).
    /// </summary>
    /// <exception cref="ImageFormatException">As for <see cref="Classify(Stream, PersonalProfile?)"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while reading.</exception>
    public async Task<IReadOnlyList<FaceExpression>> ClassifyAsync(Stream encodedImage, PersonalProfile? profile = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(encodedImage);
        var source = StreamBuffer.Describe(encodedImage, ImageData.DefaultEncodedSource);
        byte[] bytes;
        try
        {
            bytes = await StreamBuffer.ReadAllAsync(encodedImage, ImageData.MaxEncodedBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw new ImageFormatException(source, e.Message, e);
        }

        return ClassifyEncoded(bytes, source, profile);
    }

    /// <summary>
    /// Runs the detector and the network once each on the thread pool, so that the first request is served as fast
    /// as the rest: the detector is built for the input size of <paramref name="frameWidth"/> ×
    /// <paramref name="frameHeight"/> frames (it is built once per frame shape, so give the size the
    /// host will classify), the network runs its first batch, and the model's fingerprint, which profiles are
    /// checked against, is computed. Call it at start-up, after the model is loaded; results are unchanged.
    /// </summary>
    /// <param name="frameWidth">Width of the frames the host will classify (default 640).</param>
    /// <param name="frameHeight">Height of those frames (default 480).</param>
    /// <param name="cancellationToken">Stops the warm-up between its steps.</param>
    /// <exception cref="ArgumentOutOfRangeException">A side is not positive or exceeds <see cref="ImageData.MaxSide"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task WarmAsync(int frameWidth = 640, int frameHeight = 480, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameHeight);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(frameWidth, ImageData.MaxSide);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(frameHeight, ImageData.MaxSide);
        return Task.Run(
            () =>
            {
                // A plain frame has no face, so the detector runs alone; the network is then given one face as
                // Classify gives it (Classify batches all of a frame's faces; one is the common case).
                using (var frame = new Mat(frameHeight, frameWidth, MatType.CV_8UC3, Scalar.All(WarmUpGray)))
                {
                    _detector.Detect(frame);
                }

                cancellationToken.ThrowIfCancellationRequested();
                _model.PredictProbabilities(new byte[FaceImage.PixelCount], 1);
                cancellationToken.ThrowIfCancellationRequested();
                _ = _modelFingerprint.Value;
            },
            cancellationToken);
    }

    private IReadOnlyList<FaceExpression> ClassifyEncoded(ReadOnlySpan<byte> encodedImage, string source, PersonalProfile? profile)
    {
        using var frame = EncodedImage.Decode(encodedImage, source);
        return Classify(frame, profile);
    }

    private static byte[] ReadEncoded(string source, Func<byte[]> read)
    {
        try
        {
            return read();
        }
        catch (InvalidDataException e)
        {
            throw new ImageFormatException(source, e.Message, e);
        }
    }
}
