namespace PersonalFer.Model;

/// <summary>How a personal head is trained on cached features (validated when training starts).</summary>
public sealed record HeadTrainingOptions
{
    /// <summary>
    /// Optimizer steps. A step's cost is mostly AdamW updating the 590,000 weights of the first FC layer, whatever
    /// the batch, so fewer, larger steps are the fast way to show the head enough faces.
    /// </summary>
    public int Steps { get; init; } = 100;

    /// <summary>Faces per step, the person's and the replayed general ones together.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>AdamW's learning rate, in (0, 1].</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Decoupled weight decay.</summary>
    public double WeightDecay { get; init; } = 1e-4;

    /// <summary>
    /// Share of every batch drawn from replayed general FER2013 faces, so expressions the person did not provide
    /// are not forgotten (0: the person's faces only, as the seed did).
    /// </summary>
    public double GeneralShare { get; init; } = 0.5;

    /// <summary>Seed for sampling and dropout.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// Checks every value (NaN and infinities are out of range). <see cref="PersonalHead.Train"/> calls it, and
    /// personalization calls it before it searches any face.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the exception names it.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Steps, nameof(Steps));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 2, nameof(BatchSize));
        // Above 1 a step overflows AdamW's float arithmetic inside libtorch instead of merely diverging.
        OptionChecks.InRange(LearningRate, double.Epsilon, 1, nameof(LearningRate), highIncluded: true);
        OptionChecks.NotNegative(WeightDecay, nameof(WeightDecay));
        OptionChecks.InRange(GeneralShare, 0, 1, nameof(GeneralShare));
    }
}
