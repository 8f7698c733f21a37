using System.Text.Json.Serialization;

namespace PersonalFer.Model;

/// <summary>The optimizer the trainer uses.</summary>
public enum OptimizerKind
{
    /// <summary>SGD with Nesterov momentum.</summary>
    Sgd,

    /// <summary>AdamW (decoupled weight decay).</summary>
    AdamW,
}

/// <summary>How the learning rate changes over the run.</summary>
public enum LearningRateSchedule
{
    /// <summary>Fixed.</summary>
    Constant,

    /// <summary>One epoch of linear warm-up, then cosine decay to zero at the last epoch (updated every step).</summary>
    Cosine,
}

/// <summary>Everything that shapes a training run. Validated when the run starts.</summary>
public sealed record TrainingOptions
{
    /// <summary>Epochs to run (an interrupted run resumes where it stopped).</summary>
    public int Epochs { get; init; } = 40;

    /// <summary>Images per optimizer step.</summary>
    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>The default <see cref="BatchSize"/>, also the batch of BatchNorm recalibration passes.</summary>
    public const int DefaultBatchSize = 64;

    /// <summary>The optimizer.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;

    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; } = 0.01;

    /// <summary>SGD momentum.</summary>
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

    /// <summary>
    /// Stochastic weight averaging: from this epoch on, the weights at the end of every epoch are averaged. After the
    /// last epoch the average gets BatchNorm statistics from one pass over the training images and is validated; the
    /// model keeps it when it beats the best single epoch. 0 = off. Pairs with a constant learning rate.
    /// </summary>
    public int AverageWeightsFromEpoch { get; init; }

    /// <summary>
    /// Knowledge distillation: trained models whose mean prediction on the same augmented faces, softened by
    /// <see cref="DistillationTemperature"/>, the network also learns. It carries what an ensemble knows into one
    /// network. Empty: off. Not serialized (a caller that saves its options records where the teachers came from).
    /// </summary>
    [JsonIgnore]
    public IReadOnlyList<ExpressionModel> Teachers { get; init; } = [];

    /// <summary>
    /// With <see cref="Teachers"/>: the loss is (1 − w) · cross-entropy with the labels + w · T² · cross-entropy with
    /// the teachers' softened prediction, w being this weight (0–1) and T the temperature (T² keeps the gradient scale).
    /// </summary>
    public double DistillationWeight { get; init; } = 0.7;

    /// <summary>Softmax temperature of the distillation term (above 1 shows more of the teachers' second choices).</summary>
    public double DistillationTemperature { get; init; } = 2;

    /// <summary>
    /// With <see cref="Teachers"/>: each teacher's prediction is the mean over the face and its mirror image
    /// (flip test-time augmentation), a stronger target than one view (the two teachers of the shipped model:
    /// PublicTest 70.44 % with it, 69.91 % without). Costs a second teacher pass per step.
    /// </summary>
    public bool TeacherFlipAveraging { get; init; }

    /// <summary>
    /// Mixup: each augmented face is blended with another face of its batch at a ratio drawn per batch from
    /// Beta(α, α), α being this value, and learns the same blend of the two labels (with <see cref="Teachers"/>, the
    /// teachers predict the blended face). 0 = off; 0.2–1 are usual.
    /// </summary>
    public double MixupAlpha { get; init; }

    /// <summary>Seed for initialization order, shuffling, augmentation and dropout: the same seed, the same run.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>CPU threads for TorchSharp (0 = leave TorchSharp's setting).</summary>
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

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Epochs, nameof(Epochs));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BatchSize, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(LearningRate, nameof(LearningRate));
        ArgumentOutOfRangeException.ThrowIfNegative(WeightDecay, nameof(WeightDecay));
        ArgumentOutOfRangeException.ThrowIfNegative(EarlyStoppingPatience, nameof(EarlyStoppingPatience));
        ArgumentOutOfRangeException.ThrowIfNegative(Threads, nameof(Threads));
        ArgumentOutOfRangeException.ThrowIfNegative(AverageWeightsFromEpoch, nameof(AverageWeightsFromEpoch));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(AverageWeightsFromEpoch, Epochs, nameof(AverageWeightsFromEpoch));
        if (LabelSmoothing is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(LabelSmoothing), LabelSmoothing, "must be in [0, 1)");
        }

        ArgumentNullException.ThrowIfNull(Teachers, nameof(Teachers));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(DistillationTemperature, nameof(DistillationTemperature));
        if (DistillationWeight is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(DistillationWeight), DistillationWeight, "must be in [0, 1]");
        }

        if (!double.IsFinite(MixupAlpha) || MixupAlpha < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MixupAlpha), MixupAlpha, "must be 0 (off) or a positive number");
        }

        Augmentation.Validate();
    }
}
