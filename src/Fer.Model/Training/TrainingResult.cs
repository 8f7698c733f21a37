namespace PersonalFer.Model;

/// <summary>What a training run did.</summary>
/// <param name="History">Every completed epoch, including those of earlier interrupted sessions.</param>
/// <param name="BestEpoch">The epoch with the best validation accuracy; the model holds its weights.</param>
/// <param name="BestValidationAccuracy">Its validation accuracy.</param>
/// <param name="StoppedEarly">True when early stopping ended the run.</param>
/// <param name="ResumedFromEpoch">The epoch a resumed run continued after (0 for a fresh run).</param>
public sealed record TrainingResult(
    IReadOnlyList<EpochSummary> History, int BestEpoch, double BestValidationAccuracy, bool StoppedEarly, int ResumedFromEpoch);
