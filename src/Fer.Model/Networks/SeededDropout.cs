using TorchSharp;
using static TorchSharp.torch;

namespace PersonalFer.Model.Networks;

/// <summary>
/// Dropout that draws its masks from a generator the caller owns, not libtorch's process-wide one: a seeded run
/// (training or personalization) then gives the same weights whatever else runs at the same time, and never
/// re-seeds anyone else's random numbers. Without a generator it draws from the global one, as nn.Dropout does.
/// </summary>
internal sealed class SeededDropout : nn.Module<Tensor, Tensor>
{
    private readonly double _probability;

    public SeededDropout(double probability) : base(nameof(SeededDropout))
    {
        _probability = probability;
    }

    /// <summary>Where the masks come from while training; null: libtorch's global generator.</summary>
    public Generator? Generator { get; set; }

    /// <summary>The probability of dropping an element.</summary>
    public double Probability => _probability;

    /// <summary>Sets <paramref name="generator"/> on every <see cref="SeededDropout"/> inside <paramref name="module"/>.</summary>
    public static void Use(nn.Module module, Generator? generator)
    {
        foreach (var dropout in module.modules().OfType<SeededDropout>())
        {
            dropout.Generator = generator;
        }
    }

    public override Tensor forward(Tensor input)
    {
        if (!training || _probability == 0)
        {
            return input.alias();
        }

        using var kept = (1 - _probability).ToScalar();
        using var probability = _probability.ToScalar();
        using var keep = rand(input.shape, dtype: input.dtype, device: input.device, generator: Generator).ge_(probability);
        return input.mul(keep).div_(kept);
    }
}
