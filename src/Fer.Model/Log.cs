using Microsoft.Extensions.Logging;

namespace PersonalFer.Model;

/// <summary>
/// Fer.Model's log messages (source-generated, allocation-free when disabled). Event ids 3000–3999 belong to
/// Fer.Model (3900–3999: the native runtime), so a host can filter on them; docs/HOSTING.md lists them all.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(3001, LogLevel.Information, "Resuming after epoch {Epoch} from {Directory}")]
    public static partial void Resumed(ILogger logger, int epoch, string directory);

    [LoggerMessage(3002, LogLevel.Information, "Epoch {Epoch}/{Epochs}: train loss {TrainLoss:F4} acc {TrainAccuracy:P2}, validation loss {ValidationLoss:F4} acc {ValidationAccuracy:P2}, lr {LearningRate:G3}, {Seconds:F0} s")]
    public static partial void EpochCompleted(ILogger logger, int epoch, int epochs, double trainLoss, double trainAccuracy, double validationLoss, double validationAccuracy, double learningRate, double seconds);

    [LoggerMessage(3003, LogLevel.Information, "Early stopping at epoch {Epoch}: best validation accuracy {Accuracy:P2} at epoch {BestEpoch}")]
    public static partial void StoppedEarly(ILogger logger, int epoch, int bestEpoch, double accuracy);

    [LoggerMessage(3010, LogLevel.Information, "Expression model loaded from {Source}: {Architecture}, {Precision} inference, convolutions by {Convolutions}, {Parameters} parameters, {Milliseconds:F0} ms")]
    public static partial void ModelLoaded(ILogger logger, string source, ModelArchitecture architecture, InferencePrecision precision, string convolutions, long parameters, double milliseconds);
}
