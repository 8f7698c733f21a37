using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonalFer.Model;

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
    /// statistics are cleared and the caller runs the training images through the network in training mode:
    /// the returned modules then keep an equal-weight mean over those batches (libtorch's "momentum = None").
    /// </summary>
    public static IReadOnlyList<BatchNorm> ResetBatchNormStatistics(nn.Module network)
    {
        var norms = network.modules().OfType<BatchNorm>().ToList();
        foreach (var norm in norms)
        {
            norm.reset_running_stats();
            norm.momentum = null;
        }

        return norms;
    }

    /// <summary>Puts back the usual exponential momentum for further training.</summary>
    public static void RestoreMomentum(IEnumerable<BatchNorm> norms, double momentum = 0.1)
    {
        foreach (var norm in norms)
        {
            norm.momentum = momentum;
        }
    }
}
