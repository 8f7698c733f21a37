using PersonalFer.Data;

namespace PersonalFer.Model;

/// <summary>
/// What a model file says about its network: enough to rebuild it, feed it correctly, and know where it came from.
/// Stored as <c>manifest.json</c> next to the weights in a <c>.fermodel</c> file. A file whose manifest breaks a
/// bound stated below is refused on loading, and a model whose manifest breaks one is not saved.
/// </summary>
public sealed record ModelManifest
{
    /// <summary>
    /// The file format this library writes; it reads every version up to it. Version 3 added <see cref="Framing"/>
    /// (earlier files were trained on FER2013's own crops and read as <see cref="FaceFraming.DetectorBox"/>); version 2
    /// added half-precision weights (<see cref="WeightPrecision.Float16"/>).
    /// </summary>
    public const int CurrentFormatVersion = 3;

    /// <summary>Format version of the file.</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>The network.</summary>
    public required ModelArchitecture Architecture { get; init; }

    /// <summary>Class names in output order; must be FER2013's order.</summary>
    public IReadOnlyList<string> ClassOrder { get; init; } = Expressions.All.Select(e => e.ToString()).ToArray();

    /// <summary>Side of the square grayscale input (48).</summary>
    public int InputSize { get; init; } = FaceImage.Size;

    /// <summary>How faces are cropped from a frame for this network: the framing it learned faces in.</summary>
    public FaceFraming Framing { get; init; } = FaceFraming.DetectorBox;

    /// <summary>Input normalization: pixel / 255, minus this mean, in [0, 1].</summary>
    public float NormalizationMean { get; init; }

    /// <summary>Input normalization: then divided by this standard deviation, in [0.01, 1].</summary>
    public float NormalizationStd { get; init; } = 1f;

    /// <summary>The <see cref="Metrics"/> key of the accuracy on FER2013's PublicTest split (the validation set).</summary>
    public const string PublicTestAccuracyMetric = "PublicTest.accuracy";

    /// <summary>The <see cref="Metrics"/> key of the accuracy on FER2013's PrivateTest split (the test set).</summary>
    public const string PrivateTestAccuracyMetric = "PrivateTest.accuracy";

    /// <summary>Measured results, keyed as <see cref="PrivateTestAccuracyMetric"/>: at most 256, finite, named in at most 256 characters.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>The command that produced the weights: at most 4,096 characters of well-formed Unicode.</summary>
    public string? Command { get; init; }

    /// <summary>Training epochs behind the weights, 0 to 1,000,000.</summary>
    public int Epochs { get; init; }

    /// <summary>When the file was written (UTC), in the years 2000 to 2099.</summary>
    public DateTimeOffset Created { get; init; } = DateTimeOffset.UtcNow;

    // Bounds past which a field is corruption, not a value any model has. They keep manifest.json far smaller than
    // a reader accepts (ModelFile.MaxManifestBytes). The local clock plays no part in Created's: a machine whose
    // clock is wrong must still load the shipped model.
    private const int MaxCommandLength = 4096;
    private const int MaxMetrics = 256;
    private const int MaxMetricNameLength = 256;
    private const int MaxEpochs = 1_000_000;
    private const float MinNormalizationStd = 0.01f;
    private static readonly DateTimeOffset EarliestCreated = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset LatestCreated = new(2100, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The normalization and class order each architecture is trained with.</summary>
    public static ModelManifest For(ModelArchitecture architecture) => architecture switch
    {
        ModelArchitecture.Seed => new ModelManifest { Architecture = architecture, NormalizationMean = 0f, NormalizationStd = 1f },
        // FER2013 Training pixel statistics (mean 0.508, std 0.255 after / 255), rounded.
        ModelArchitecture.VggBn or ModelArchitecture.VggBnCompact => new ModelManifest { Architecture = architecture, NormalizationMean = 0.5f, NormalizationStd = 0.25f },
        _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture, "unknown architecture"),
    };

    /// <summary>What makes this manifest unusable, naming the field and its value, or null when nothing does.</summary>
    internal string? FindProblem()
    {
        string[] fer2013Order = [.. Expressions.All.Select(e => e.ToString())];
        return FormatVersion is < 1 or > CurrentFormatVersion ? $"format version {FormatVersion} is not supported (this library reads versions 1 to {CurrentFormatVersion})"
            : !Enum.IsDefined(Architecture) ? $"{nameof(Architecture)} {Architecture} is not a known network"
            : ClassOrder is null ? $"{nameof(ClassOrder)} is null"
            : !ClassOrder.SequenceEqual(fer2013Order) ? $"class order [{StoredText.Shown(string.Join(", ", ClassOrder))}] differs from FER2013's [{string.Join(", ", fer2013Order)}]"
            : InputSize != FaceImage.Size ? $"{nameof(InputSize)} {InputSize} is not {FaceImage.Size}"
            : Framing is null ? $"{nameof(Framing)} is null"
            : NormalizationMean is not (>= 0 and <= 1) ? $"{nameof(NormalizationMean)} {NormalizationMean} is outside [0, 1]"
            : NormalizationStd is not (>= MinNormalizationStd and <= 1) ? $"{nameof(NormalizationStd)} {NormalizationStd} is outside [{MinNormalizationStd}, 1]"
            : MetricsProblem() is { } metrics ? metrics
            : Command is not null && (Command.Length > MaxCommandLength || !StoredText.IsWellFormed(Command)) ? $"{nameof(Command)} is longer than {MaxCommandLength} characters or not well-formed Unicode"
            : Epochs is < 0 or > MaxEpochs ? $"{nameof(Epochs)} {Epochs} is outside [0, {MaxEpochs}]"
            : Created < EarliestCreated || Created >= LatestCreated ? $"{nameof(Created)} {Created:O} is not a plausible date"
            : null;
    }

    private string? MetricsProblem()
    {
        if (Metrics is null)
        {
            return $"{nameof(Metrics)} is null";
        }

        if (Metrics.Count > MaxMetrics)
        {
            return $"{nameof(Metrics)} has {Metrics.Count} entries (at most {MaxMetrics})";
        }

        foreach (var (name, value) in Metrics)
        {
            if (name.Length is 0 or > MaxMetricNameLength || !StoredText.IsWellFormed(name))
            {
                return $"{nameof(Metrics)} has a name that is empty, longer than {MaxMetricNameLength} characters or not well-formed Unicode ('{StoredText.Shown(name)}')";
            }

            if (!double.IsFinite(value))
            {
                return $"{nameof(Metrics)}['{StoredText.Shown(name)}'] is {value}";
            }
        }

        return null;
    }
}
