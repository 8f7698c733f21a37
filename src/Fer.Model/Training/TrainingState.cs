namespace PersonalFer.Model;

/// <summary>Where a run stands after its completed epochs; the checkpoint's <c>state.json</c>.</summary>
internal sealed record TrainingState
{
    public int CompletedEpochs { get; init; }

    public int BestEpoch { get; init; }

    public double BestValidationAccuracy { get; init; } = -1;

    public IReadOnlyList<EpochSummary> History { get; init; } = [];

    public TrainingState After(EpochSummary epoch)
    {
        var better = epoch.ValidationAccuracy > BestValidationAccuracy;
        return this with
        {
            CompletedEpochs = epoch.Epoch,
            BestEpoch = better ? epoch.Epoch : BestEpoch,
            BestValidationAccuracy = better ? epoch.ValidationAccuracy : BestValidationAccuracy,
            History = [.. History, epoch],
        };
    }
}
