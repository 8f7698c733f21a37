using System.Runtime.InteropServices;
using PersonalFer.Model.Networks;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonalFer.Model;

/// <summary>
/// The keep masks (1 kept, 0 dropped) of a head's dropout layers for a training, drawn a step at a time from one
/// stream, layer after layer over the whole batch: the very masks the head's <see cref="SeededDropout"/> layers drew
/// from a generator of the same seed when a step ran the batch in one pass. Each half of a batch reads its rows of
/// them, so splitting the batch changes no mask. The masks are made once and refilled every step.
/// </summary>
internal sealed class DropoutMasks : IDisposable
{
    private readonly MersenneTwister _stream;
    private readonly (Tensor Mask, double Probability)[] _layers;

    /// <summary>For the dropout layers of <paramref name="head"/>, batches of <paramref name="rows"/> rows, drawing what a generator seeded with <paramref name="seed"/> draws.</summary>
    /// <exception cref="NotSupportedException">A dropout layer is not followed by a linear layer (its input width is then unknown).</exception>
    public DropoutMasks(nn.Module head, int rows, ulong seed)
    {
        var modules = head.modules().ToList();
        var dropouts = modules.Select((module, index) => (module, index)).Where(entry => entry.module is SeededDropout)
            .Select(entry => (Layer: (SeededDropout)entry.module, Width: modules.Skip(entry.index + 1).OfType<Linear>().Select(linear => linear.in_features).DefaultIfEmpty(-1).First()))
            .ToList();
        if (dropouts.Any(dropout => dropout.Width < 0))
        {
            throw new NotSupportedException("A head's dropout layer must come before a linear layer.");
        }

        // A layer that drops nothing draws nothing (as SeededDropout): its mask keeps every element.
        _layers = [.. dropouts.Select(dropout => (dropout.Layer.Probability == 0 ? ones([rows, dropout.Width], float32) : empty([rows, dropout.Width], float32), dropout.Layer.Probability))];
        _stream = new MersenneTwister(seed);
    }

    /// <summary>The mask of the head's <paramref name="layer"/>-th dropout layer, [rows, width]; refilled by <see cref="Draw"/>.</summary>
    public Tensor Mask(int layer) => _layers[layer].Mask;

    /// <summary>Draws the next step's masks, in place.</summary>
    public void Draw()
    {
        foreach (var (mask, probability) in _layers)
        {
            if (probability > 0)
            {
                _stream.FillKeepMask(MemoryMarshal.Cast<byte, float>(mask.bytes), probability);
            }
        }
    }

    public void Dispose()
    {
        foreach (var (mask, _) in _layers)
        {
            mask.Dispose();
        }
    }
}
