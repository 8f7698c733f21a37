using PersonalFer.Model;
using PersonalFer.Data;
using TorchSharp.Modules;

namespace PersonalFer.Research;

/// <summary>
/// A trained network's BatchNorm statistics are a moving average over augmented training batches, and the training
/// warps (rotation, shift, scale) change every face, so they do not quite describe the faces the network is then
/// used on. Recomputing them as the equal-weight mean over the training faces as they are, with the weights
/// unchanged, lets them describe those faces (docs/RESEARCH.md gives what it was worth).
/// </summary>
public static class BatchNormRecalibration
{
    /// <summary>
    /// A copy of <paramref name="model"/> with the same weights and its BatchNorm statistics recomputed on
    /// <paramref name="training"/>, not augmented. The copy has no general replay, since replay features depend on the
    /// statistics: attach it again (<see cref="ExpressionModel.AttachGeneralReplay"/>, as <c>Fer.Train export</c> does).
    /// </summary>
    /// <exception cref="ArgumentException">The network has no BatchNorm layers (the seed CNN), or <paramref name="training"/> is empty.</exception>
    /// <param name="model">A trained model; it is not changed.</param>
    /// <param name="training">The faces to recompute on: the training split the model learnt from.</param>
    public static ExpressionModel Recalibrate(ExpressionModel model, FaceDataset training)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(training);
        if (!model.Network.modules().OfType<BatchNorm>().Any())
        {
            throw new ArgumentException($"The {model.Architecture} network has no BatchNorm layers to recalibrate.", nameof(model));
        }

        if (training.Count == 0)
        {
            throw new ArgumentException("BatchNorm statistics cannot be recomputed on an empty training set.", nameof(training));
        }

        var recalibrated = model.CopyWithoutReplay(manifest => manifest with
        {
            Command = $"{manifest.Command} && BatchNorm statistics recomputed on {training.Count} faces",
            Metrics = new Dictionary<string, double>(),
        });
        recalibrated.BeginWeightChanges();
        try
        {
            WeightAveraging.RecomputeBatchNormStatistics(recalibrated.Network, recalibrated.Manifest, training);
            recalibrated.EndWeightChanges();
        }
        catch
        {
            recalibrated.Dispose();
            throw;
        }

        return recalibrated;
    }
}
