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
}
