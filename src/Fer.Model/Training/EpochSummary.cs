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
