using PersonalFer.Model.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonalFer.Model;

/// <summary>
/// The dropout masks of a head's training, drawn a step at a time from one generator, layer after layer over the whole
/// batch: the very masks the head's dropout layers drew when a step ran the batch in one pass. Each half of the batch
/// uses its rows of them, so splitting the batch changes no mask. The masks are made once and refilled every step.
/// </summary>
internal sealed class DropoutMasks : IDisposable
{
    private readonly Generator _generator;
    private readonly Layer[] _layers;

    /// <summary>
    /// For <paramref name="head"/> and its weight-sharing <paramref name="copy"/>, batches of <paramref name="rows"/>
    /// rows, the first <paramref name="firstRows"/> of them the head's, drawing from a generator seeded with
    /// <paramref name="seed"/>. The layers use the masks until this is disposed.
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

        _generator = new Generator(seed);
        _layers = [.. modules.OfType<SeededDropout>().Select((layer, i) => new Layer(layer, copyLayers[i], rows, widths[i], firstRows))];
    }

    /// <summary>Draws the next step's masks into the tensors the layers use.</summary>
    public void Draw()
    {
        foreach (var layer in _layers)
        {
            layer.Draw(_generator);
        }
    }

    public void Dispose()
    {
        foreach (var layer in _layers)
        {
            layer.Dispose();
        }

        _generator.Dispose();
    }

    // One dropout layer's mask, and the rows of it the head's layer and the copy's layer read.
    private sealed class Layer : IDisposable
    {
        private readonly SeededDropout _head;
        private readonly SeededDropout _copy;
        private readonly Tensor _mask;
        private readonly Tensor _first;
        private readonly Tensor _rest;
        // Explicit, disposed Scalars: an implicit one is left to the finalizer, which may free it while libtorch reads it.
        private readonly Scalar _probability;

        public Layer(SeededDropout head, SeededDropout copy, int rows, int width, int firstRows)
        {
            _head = head;
            _copy = copy;
            _probability = head.Probability.ToScalar();
            _mask = empty([rows, width], float32);
            _first = _mask.narrow(0, 0, firstRows);
            _rest = _mask.narrow(0, firstRows, rows - firstRows);
            head.Mask = _first;
            copy.Mask = _rest;
        }

        // As SeededDropout draws (rand is uniform_ over [0, 1) on a new tensor): kept where at least the probability.
        public void Draw(Generator generator)
        {
            using var scope = NewDisposeScope();
            _mask.uniform_(0, 1, generator).ge_(_probability);
        }

        public void Dispose()
        {
            _head.Mask = null;
            _copy.Mask = null;
            _first.Dispose();
            _rest.Dispose();
            _mask.Dispose();
            _probability.Dispose();
        }
    }
}
