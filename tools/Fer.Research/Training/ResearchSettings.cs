using System.Text.Json;

namespace PersonalFer.Research;

/// <summary>
/// What a research training run adds to the product trainer's options; saved as research.json beside the run's
/// run.json so that <c>resume</c> continues it the same way.
/// </summary>
internal sealed record ResearchSettings
{
    public const string FileName = "research.json";

    /// <summary>Teacher models (paths or "default") whose mean prediction the network also learns; empty: no distillation.</summary>
    public IReadOnlyList<string> Teachers { get; init; } = [];

    /// <summary>The loss is (1 − w) · cross-entropy + w · T² · cross-entropy with the teachers' softened prediction.</summary>
    public double DistillationWeight { get; init; } = 0.7;

    /// <summary>Softmax temperature T of the distillation term.</summary>
    public double DistillationTemperature { get; init; } = 2;

    /// <summary>
    /// A FER2013 file whose Training faces the teachers see instead of the faces being trained on, row for row: the
    /// student learns from re-framed faces what the teachers say about the same faces in the framing they learned.
    /// Null: the teachers see the student's faces.
    /// </summary>
    public string? TeacherData { get; init; }

    /// <summary>Each teacher's prediction is the mean over the face and its mirror image.</summary>
    public bool TeacherFlipAveraging { get; init; }

    /// <summary>Mixup's Beta(α, α) parameter; 0: off.</summary>
    public double MixupAlpha { get; init; }

    /// <summary>Average the weights of every epoch from this one on (stochastic weight averaging); 0: off.</summary>
    public int AverageWeightsFromEpoch { get; init; }

    public void Validate(int epochs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(DistillationTemperature, nameof(DistillationTemperature));
        if (DistillationWeight is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(DistillationWeight), DistillationWeight, "must be in [0, 1]");
        }

        if (!double.IsFinite(MixupAlpha) || MixupAlpha < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MixupAlpha), MixupAlpha, "must be 0 (off) or a positive number");
        }

        if (TeacherData is not null && (Teachers.Count == 0 || MixupAlpha > 0))
        {
            throw new ArgumentException("--teacher-data needs a --teacher and cannot be combined with --mixup (a blend of two rows has no single paired face)");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(AverageWeightsFromEpoch, nameof(AverageWeightsFromEpoch));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(AverageWeightsFromEpoch, epochs, nameof(AverageWeightsFromEpoch));
    }

    public void Save(string directory)
    {
        var path = Path.Combine(directory, FileName);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true }));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    public static ResearchSettings Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        return File.Exists(path)
            ? JsonSerializer.Deserialize<ResearchSettings>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} is empty")
            : new ResearchSettings();
    }
}
