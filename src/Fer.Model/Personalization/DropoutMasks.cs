using PersonalFer.Model.Networks;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonalFer.Model;

/// <summary>
/// The dropout masks of a head's training, drawn a step at a time from one generator, layer after layer over the whole
/// batch: the very masks the head's dropout layers drew when a step ran the batch in one pass. Each half of the batch
/// then uses its rows of them, so splitting the batch changes no mask.
/// </summary>
internal sealed class DropoutMasks : IDisposable
{
    private readonly Generator _generator;
    private readonly (SeededDropout Layer, int Width)[] _layers;
    private readonly SeededDropout[] _copyLayers;
    private Tensor[] _masks = [];
    private Tensor[] _views = [];

    /// <summary>For <paramref name="head"/> and its weight-sharing <paramref name="copy"/>, drawing from a generator seeded with <paramref name="seed"/>.</summary>
    /// <exception cref="NotSupportedException">A dropout layer is not followed by a linear layer (its input width is then unknown).</exception>
    public DropoutMasks(nn.Module head, nn.Module copy, ulong seed)
    {
        var modules = head.modules().ToList();
        _layers = [.. modules.Select((module, index) => (module, index)).Where(entry => entry.module is SeededDropout).Select(entry =>
            (Layer: (SeededDropout)entry.module,
             Width: modules.Skip(entry.index + 1).OfType<Linear>().Select(linear => (int)linear.in_features).DefaultIfEmpty(-1).First()))];
        if (_layers.Any(layer => layer.Width < 0))
        {
            throw new NotSupportedException("A head's dropout layer must come before a linear layer.");
        }

        _copyLayers = [.. copy.modules().OfType<SeededDropout>()];
        _generator = new Generator(seed);
    }

    /// <summary>Draws the masks of the next step's <paramref name="rows"/> rows (the previous step's are released).</summary>
    public void Draw(int rows)
    {
        Release();
        using var scope = NewDisposeScope();
        // As SeededDropout draws: uniform float32 in [0, 1), kept where at least the probability.
        _masks = [.. _layers.Select(layer => rand([rows, layer.Width], float32, generator: _generator).ge_(layer.Layer.Probability).DetachFromDisposeScope())];
    }

    /// <summary>Gives the head the first <paramref name="firstRows"/> rows of each mask, and the copy the rest.</summary>
    public void Split(int firstRows)
    {
        using var scope = NewDisposeScope();
        var views = new List<Tensor>();
        for (var i = 0; i < _layers.Length; i++)
        {
            var first = _masks[i].narrow(0, 0, firstRows).DetachFromDisposeScope();
            var rest = _masks[i].narrow(0, firstRows, _masks[i].shape[0] - firstRows).DetachFromDisposeScope();
            _layers[i].Layer.Mask = first;
            _copyLayers[i].Mask = rest;
            views.Add(first);
            views.Add(rest);
        }

        _views = [.. views];
    }

    public void Dispose()
    {
        Release();
        _generator.Dispose();
    }

    private void Release()
    {
        foreach (var (layer, _) in _layers)
        {
            layer.Mask = null;
        }

        foreach (var layer in _copyLayers)
        {
            layer.Mask = null;
        }

        foreach (var tensor in _views.Concat(_masks))
        {
            tensor.Dispose();
        }

        _views = [];
        _masks = [];
    }
}
