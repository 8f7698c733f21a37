using System.Runtime.InteropServices;
using PersonalFer.Model.Networks;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonalFer.Model;

/// <summary>
/// The dropout masks of a head's training, drawn a step at a time from one stream, layer after layer over the whole
/// batch: the very masks the head's dropout layers drew from a generator of the same seed when a step ran the batch
/// in one pass. Each half of the batch uses its rows of them, so splitting the batch changes no mask. The masks are
/// made once and refilled every step.
/// </summary>
internal sealed class DropoutMasks : IDisposable
{
    private readonly MersenneTwister _stream;
    private readonly Layer[] _layers;

    /// <summary>
    /// For <paramref name="head"/> and its weight-sharing <paramref name="copy"/>, batches of <paramref name="rows"/>
    /// rows, the first <paramref name="firstRows"/> of them the head's, drawing what a generator seeded with
    /// <paramref name="seed"/> draws. The layers use the masks until this is disposed.
    /// </summary>
    /// <exception cref="NotSupportedException">A dropout layer is not followed by a linear layer (its input width is then unknown).</exception>
    public DropoutMasks(nn.Module head, nn.Module copy, int rows, int firstRows, ulong seed)
    {
        var modules = head.modules().ToList();
        var copyLayers = copy.modules().OfType<SeededDropout>().ToList();
        var widths = modules.Select((module, index) => (module, index)).Where(entry => entry.module is SeededDropout)
            .Select(entry => modules.Skip(entry.index + 1).OfType<Linear>().Select(linear => (int)linear.in_features).DefaultIfEmpty(-1).First())
            .ToList();
        if (widths.Any(width => width < 0))
        {
            throw new NotSupportedException("A head's dropout layer must come before a linear layer.");
        }

        _stream = new MersenneTwister(seed);
        _layers = [.. modules.OfType<SeededDropout>().Select((layer, i) => new Layer(layer, copyLayers[i], rows, widths[i], firstRows))];
    }

    /// <summary>Draws the next step's masks into the tensors the layers use.</summary>
    public void Draw()
    {
        foreach (var layer in _layers)
        {
            layer.Draw(_stream);
        }
    }

    public void Dispose()
    {
        foreach (var layer in _layers)
        {
            layer.Dispose();
        }
    }

    // One dropout layer's mask, and the rows of it the head's layer and the copy's layer read.
    private sealed class Layer : IDisposable
    {
        private readonly SeededDropout _head;
        private readonly SeededDropout _copy;
        private readonly Tensor _mask;
        private readonly Tensor _first;
        private readonly Tensor _rest;

        public Layer(SeededDropout head, SeededDropout copy, int rows, int width, int firstRows)
        {
            _head = head;
            _copy = copy;
            _mask = empty([rows, width], float32);
            _first = _mask.narrow(0, 0, firstRows);
            _rest = _mask.narrow(0, firstRows, rows - firstRows);
            head.Mask = _first;
            copy.Mask = _rest;
        }

        // As SeededDropout draws: kept where rand's number is at least the probability.
        public void Draw(MersenneTwister stream) => stream.FillKeepMask(MemoryMarshal.Cast<byte, float>(_mask.bytes), _head.Probability);

        public void Dispose()
        {
            _head.Mask = null;
            _copy.Mask = null;
            _first.Dispose();
            _rest.Dispose();
            _mask.Dispose();
        }
    }
}
