namespace PersonalFer.Model;

/// <summary>The outcome of one completed epoch.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="TrainLoss">Mean training loss (with augmentation, dropout and label smoothing; with teachers, the distillation term included).</param>
/// <param name="TrainAccuracy">Training accuracy on the augmented batches.</param>
/// <param name="ValidationLoss">Mean loss on the validation set (no augmentation).</param>
/// <param name="ValidationAccuracy">Accuracy on the validation set.</param>
/// <param name="LearningRate">Learning rate at the end of the epoch.</param>
/// <param name="Duration">Wall time of the epoch.</param>
public sealed record EpochSummary(
    int Epoch, double TrainLoss, double TrainAccuracy, double ValidationLoss, double ValidationAccuracy,
    double LearningRate, TimeSpan Duration);

/// <summary>Reported after every step, so a progress bar can move; <see cref="CompletedEpoch"/> is set at epoch ends.</summary>
/// <param name="Epoch">1-based current epoch.</param>
/// <param name="Epochs">Epochs in the run.</param>
/// <param name="Step">1-based step within the epoch.</param>
/// <param name="Steps">Steps per epoch.</param>
/// <param name="Loss">Running mean training loss this epoch.</param>
/// <param name="Accuracy">Running training accuracy this epoch.</param>
/// <param name="Remaining">Estimated time to the end of the run.</param>
/// <param name="CompletedEpoch">The summary when this report closes an epoch, else null.</param>
public sealed record TrainingProgress(
    int Epoch, int Epochs, int Step, int Steps, double Loss, double Accuracy, TimeSpan Remaining, EpochSummary? CompletedEpoch);

/// <summary>What a training run did.</summary>
/// <param name="History">Every completed epoch, including those of earlier interrupted sessions.</param>
/// <param name="BestEpoch">The epoch with the best validation accuracy; the model holds its weights unless <see cref="KeptAverage"/>.</param>
/// <param name="BestValidationAccuracy">Its validation accuracy.</param>
/// <param name="StoppedEarly">True when early stopping ended the run.</param>
/// <param name="ResumedFromEpoch">The epoch a resumed run continued after (0 for a fresh run).</param>
public sealed record TrainingResult(
    IReadOnlyList<EpochSummary> History, int BestEpoch, double BestValidationAccuracy, bool StoppedEarly, int ResumedFromEpoch)
{
    /// <summary>Epochs whose weights were averaged (0 when <see cref="TrainingOptions.AverageWeightsFromEpoch"/> is off).</summary>
    public int AveragedEpochs { get; init; }

    /// <summary>The weight average's validation accuracy, after its BatchNorm statistics were recomputed; null without averaging.</summary>
    public double? AverageValidationAccuracy { get; init; }

    /// <summary>True when the model holds the weight average (it beat the best epoch on validation), false when it holds the best epoch.</summary>
    public bool KeptAverage { get; init; }
}
