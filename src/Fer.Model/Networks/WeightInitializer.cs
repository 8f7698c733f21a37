using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonalFer.Model.Networks;

/// <summary>
/// Initializes a network from its own generator, so a seed reproduces the same weights even while other threads
/// draw from TorchSharp's global generator. Uses PyTorch's defaults: U(±1/√fan_in) for convolution and linear
/// weights and biases, ones and zeros for normalization layers.
/// </summary>
internal static class WeightInitializer
{
    public static void Initialize(FerNetwork network, int seed)
    {
        using var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var module in network.modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    InitializeUniform(conv.weight!, conv.bias, generator);
                    break;
                case Linear linear:
                    InitializeUniform(linear.weight!, linear.bias, generator);
                    break;
                case BatchNorm2d norm:
                    norm.weight!.fill_(1);
                    norm.bias!.fill_(0);
                    break;
                case BatchNorm1d norm:
                    norm.weight!.fill_(1);
                    norm.bias!.fill_(0);
                    break;
            }
        }
    }

    private static void InitializeUniform(Tensor weight, Tensor? bias, Generator generator)
    {
        var bound = 1.0 / Math.Sqrt(weight.numel() / weight.shape[0]);
        weight.uniform_(-bound, bound, generator);
        bias?.uniform_(-bound, bound, generator);
    }
}
