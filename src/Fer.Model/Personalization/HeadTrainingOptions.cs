namespace PersonalFer.Model;

/// <summary>How a personal head is trained on cached features (validated when training starts).</summary>
public sealed record HeadTrainingOptions
{
    /// <summary>
    /// Optimizer steps. Fewer steps train faster but fit the person less; the default, with
    /// <see cref="GeneralShare"/>'s, scored best on JAFFE-dev with two photos per expression, judged
    /// leave-one-subject-out (docs/PERSONALIZATION.md).
    /// </summary>
    public int Steps { get; init; } = 200;

    /// <summary>Faces per step, the person's and the replayed general ones together.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>AdamW's learning rate, in (0, 1].</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Decoupled weight decay.</summary>
    public double WeightDecay { get; init; } = 1e-4;

    /// <summary>
    /// Share of every batch drawn from replayed general FER2013 faces, so expressions the person did not provide
    /// are not forgotten (0: the person's faces only, as the seed did). A larger share forgets less of FER2013 and
    /// needs more <see cref="Steps"/> to fit the person as well.
    /// </summary>
    public double GeneralShare { get; init; } = 0.6;

    /// <summary>
    /// Share of the replayed general faces' loss that follows the general head's own probabilities for them
    /// (distillation) instead of their FER2013 labels, in [0, 1]. At 1 (default) the head learns to answer general
    /// faces as the general model does, which on JAFFE-dev forgets less of FER2013 and fits the person better than
    /// labels (docs/PERSONALIZATION.md); 0 trains on the labels alone.
    /// </summary>
    public double ReplayDistillation { get; init; } = 1;

    /// <summary>
    /// Softmax temperature of the distilled probabilities, above 0: above 1 the general head's second and third
    /// choices count too, not only its first.
    /// </summary>
    public double DistillationTemperature { get; init; } = 2;

    /// <summary>Seed for sampling and dropout.</summary>
    public int Seed { get; init; } = 1;

    // Far above any useful temperature; bounds the temperature-squared loss scale.
    private const double MaxTemperature = 100;

    /// <summary>
    /// Checks every value (NaN and infinities are out of range). <see cref="PersonalHead.Train"/> calls it, and
    /// personalization calls it before it searches any face.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the exception names it.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Steps, nameof(Steps));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 2, nameof(BatchSize));
        // Above 1 a step overflows AdamW's float arithmetic instead of merely diverging.
        OptionChecks.InRange(LearningRate, double.Epsilon, 1, nameof(LearningRate), highIncluded: true);
        OptionChecks.NotNegative(WeightDecay, nameof(WeightDecay));
        OptionChecks.InRange(GeneralShare, 0, 1, nameof(GeneralShare));
        OptionChecks.InRange(ReplayDistillation, 0, 1, nameof(ReplayDistillation), highIncluded: true);
        OptionChecks.InRange(DistillationTemperature, double.Epsilon, MaxTemperature, nameof(DistillationTemperature), highIncluded: true);
    }
}
