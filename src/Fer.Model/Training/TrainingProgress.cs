namespace PersonalFer.Model;

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
