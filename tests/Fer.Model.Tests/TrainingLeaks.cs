using PersonalFer.Data;
using TorchSharp;

namespace PersonalFer.Model.Tests;

/// <summary>The leak check every training objective must pass: native tensors do not pile up with the steps taken.</summary>
internal static class TrainingLeaks
{
    /// <summary>
    /// Trains with <paramref name="options"/>, then to 4 epochs, then predicts 2,000 single faces: the live tensor
    /// count after the first run must not change.
    /// </summary>
    public static void AssertLiveTensorsDoNotGrow(ExpressionModel model, FaceDataset training, FaceDataset validation, TrainingOptions options)
    {
        var trainer = new Trainer();
        trainer.Train(model, training, validation, options);
        var afterFirstRun = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        trainer.Train(model, training, validation, options with { Epochs = 4 });
        var afterFourEpochs = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 2000; i++)
        {
            model.PredictProbabilities(validation.Image(i % validation.Count), 1);
        }

        Assert.Equal(afterFirstRun, afterFourEpochs);
        Assert.Equal(afterFirstRun, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
