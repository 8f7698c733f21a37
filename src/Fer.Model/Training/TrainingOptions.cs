using System.Text.Json.Serialization;

namespace PersonalFer.Model;

/// <summary>Everything that shapes a training run. Validated when the run starts.</summary>
public sealed record TrainingOptions
{
    /// <summary>Epochs to run (an interrupted run resumes where it stopped).</summary>
    public int Epochs { get; init; } = 40;

    /// <summary>Images per optimizer step.</summary>
    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>The default <see cref="BatchSize"/>.</summary>
    public const int DefaultBatchSize = 64;

    /// <summary>The optimizer.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;

    /// <summary>Peak learning rate, in (0, 1].</summary>
    public double LearningRate { get; init; } = 0.01;

    /// <summary>SGD's (Nesterov) momentum, in (0, 1).</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>L2 weight decay (decoupled for AdamW).</summary>
    public double WeightDecay { get; init; } = 5e-4;

    /// <summary>The learning-rate schedule.</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Cosine;

    /// <summary>Label smoothing for the cross-entropy loss (0 = none).</summary>
    public double LabelSmoothing { get; init; } = 0.1;

    /// <summary>Weight the loss by inverse class frequency (helps Disgust, hurts overall accuracy a little).</summary>
    public bool ClassWeighting { get; init; }

    /// <summary>Stop after this many epochs without a better validation accuracy (0 = never stop early).</summary>
    public int EarlyStoppingPatience { get; init; }

    /// <summary>Seed for initialization order, shuffling, augmentation and dropout: the same seed, the same run.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// CPU threads for libtorch while this run trains (0 = leave libtorch's setting). libtorch's thread count is
    /// process-wide: it is put back when training ends, so leave it at 0 for runs that overlap.
    /// </summary>
    public int Threads { get; init; }

    /// <summary>Training-time augmentation.</summary>
    public AugmentationOptions Augmentation { get; init; } = new();

    /// <summary>
    /// Folder for per-epoch checkpoints. When it already holds a run, training resumes after its last completed
    /// epoch. Null: no checkpoints.
    /// </summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>The command line that started the run, recorded in the saved model's manifest.</summary>
    public string? Command { get; init; }

    /// <summary>
    /// The loss of a step; null: cross-entropy with <see cref="LabelSmoothing"/> and <see cref="ClassWeighting"/>.
    /// Research tooling (tools/Fer.Research) plugs in mixup and distillation here; not serialized.
    /// </summary>
    [JsonIgnore]
    internal ITrainingObjective? Objective { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Epochs, nameof(Epochs));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BatchSize, nameof(BatchSize));
        // Above 1 a step can overflow the optimizers' float arithmetic inside libtorch instead of merely diverging.
        OptionChecks.InRange(LearningRate, double.Epsilon, 1, nameof(LearningRate), highIncluded: true);
        if (!(Momentum is > 0 and < 1))
        {
            // SGD runs with Nesterov momentum, which libtorch refuses at 0.
            throw new ArgumentOutOfRangeException(nameof(Momentum), Momentum, "must be in (0, 1)");
        }

        OptionChecks.NotNegative(WeightDecay, nameof(WeightDecay));
        ArgumentOutOfRangeException.ThrowIfNegative(EarlyStoppingPatience, nameof(EarlyStoppingPatience));
        ArgumentOutOfRangeException.ThrowIfNegative(Threads, nameof(Threads));
        OptionChecks.InRange(LabelSmoothing, 0, 1, nameof(LabelSmoothing));
        if (!Enum.IsDefined(Optimizer) || !Enum.IsDefined(Schedule))
        {
            throw new ArgumentOutOfRangeException(nameof(Optimizer), $"unknown optimizer {Optimizer} or schedule {Schedule}");
        }

        ArgumentNullException.ThrowIfNull(Augmentation, nameof(Augmentation));
        Augmentation.Validate();
    }
}
