using PersonalFer.Data;
using PersonalFer.Model;
using PersonalFer.Model.Networks;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonalFer.Research;

/// <summary>
/// Stochastic weight averaging (Izmailov et al., 2018): an equal-weight mean of the parameters at the ends of the
/// last epochs usually lies in a flatter region of the loss than any one of them, and generalizes better.
/// </summary>
internal static class WeightAveraging
{
    /// <summary>Folds <paramref name="current"/>'s parameters into <paramref name="average"/>, the mean of <paramref name="count"/> − 1 earlier ones.</summary>
    public static void Accumulate(nn.Module average, nn.Module current, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        using var noGrad = no_grad();
        var currentParameters = current.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, parameter) in average.named_parameters())
        {
            parameter.mul_(1 - (1.0 / count)).add_(currentParameters[name], alpha: 1.0 / count);
        }
    }

    /// <summary>
    /// Averaged weights see activations that none of the averaged points' BatchNorm statistics describe, so the
    /// statistics are cleared and every training face runs through the network once in training mode, as it is (not
    /// augmented: the statistics must describe the faces the network will see), with libtorch's "momentum = None":
    /// each layer then keeps an equal-weight mean over those batches. Each layer's own momentum is put back afterwards.
    /// </summary>
    public static void RecomputeBatchNormStatistics(FerNetwork network, ModelManifest manifest, FaceDataset training)
    {
        var norms = network.modules().OfType<BatchNorm>().Select(norm => (Norm: norm, Momentum: norm.momentum)).ToList();
        foreach (var (norm, _) in norms)
        {
            norm.reset_running_stats();
            norm.momentum = null;
        }

        try
        {
            network.train();
            using var noGrad = no_grad();
            FaceBatches.ForEach(training.Pixels, training.Count, (unit, _, _) => network.forward(FaceTensors.Normalize(unit, manifest)), TrainingOptions.DefaultBatchSize);
        }
        finally
        {
            foreach (var (norm, momentum) in norms)
            {
                norm.momentum = momentum;
            }

            network.eval();
        }
    }
}
