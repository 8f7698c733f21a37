using Microsoft.Extensions.Logging;

namespace PersonalFer.Model;

/// <summary>Fer.Model's log messages (source-generated, allocation-free when disabled).</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Resuming after epoch {Epoch} from {Directory}")]
    public static partial void Resumed(ILogger logger, int epoch, string directory);

    [LoggerMessage(2, LogLevel.Information, "Epoch {Epoch}/{Epochs}: train loss {TrainLoss:F4} acc {TrainAccuracy:P2}, validation loss {ValidationLoss:F4} acc {ValidationAccuracy:P2}, lr {LearningRate:G3}, {Seconds:F0} s")]
    public static partial void EpochCompleted(ILogger logger, int epoch, int epochs, double trainLoss, double trainAccuracy, double validationLoss, double validationAccuracy, double learningRate, double seconds);

    [LoggerMessage(3, LogLevel.Information, "Early stopping at epoch {Epoch}: best validation accuracy {Accuracy:P2} at epoch {BestEpoch}")]
    public static partial void StoppedEarly(ILogger logger, int epoch, int bestEpoch, double accuracy);
}
