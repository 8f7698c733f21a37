using System.Runtime.InteropServices;
using PersonalFer.Model.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonalFer.Model;

/// <summary>
/// One part of every batch of a head's training (a fixed range of its rows), computed by hand: the head's forward
/// pass with the training's dropout masks, then the gradient of the batch's loss with respect to each of the head's
/// weights, written over gradient tensors of its own. Without autograd a step skips its graph bookkeeping (a fifth
/// of a half's time) and the extra pass that adds a new gradient into the last one; the largest product writes
/// straight into its gradient. Heads made of linear, ReLU and <see cref="SeededDropout"/> layers.
/// </summary>
internal sealed class HeadBackprop : IDisposable
{
    private readonly Layer[] _layers;
    // The first layer with weights: nothing before it needs a gradient.
    private readonly int _firstWeighted;
    private readonly Tensor _input;
    private readonly int _start;
    private readonly int _count;

    /// <summary>For rows <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> of every batch, with <paramref name="masks"/>' rows for them.</summary>
    /// <exception cref="NotSupportedException">The head is not a sequence of linear, ReLU and dropout layers with at least one linear layer.</exception>
    public HeadBackprop(nn.Module head, DropoutMasks masks, int start, int count, int features)
    {
        if (head is not Sequential)
        {
            throw new NotSupportedException($"A head must be a Sequential of layers; this one is a {head.GetType().Name}.");
        }

        var dropouts = 0;
        var leaves = head.named_modules().Where(entry => !entry.module.children().Any()).ToList();
        if (leaves.FirstOrDefault(entry => entry.module is not (Linear or ReLU or SeededDropout)) is ({ } name, { } other))
        {
            throw new NotSupportedException($"A head's layers must be linear, ReLU or dropout; '{name}' is a {other.GetType().Name}.");
        }

        if (!leaves.Any(entry => entry.module is Linear))
        {
            throw new NotSupportedException("A head must have a linear layer.");
        }

        _layers = [.. leaves.Select(entry => entry.module switch
        {
            Linear linear => (Layer)new LinearLayer(linear),
            SeededDropout dropout => new DropoutLayer(masks.Mask(dropouts++).narrow(0, start, count), dropout.Probability),
            _ => new ReluLayer(),
        })];
        _firstWeighted = Array.FindIndex(_layers, layer => layer is LinearLayer);
        Gradients = [.. _layers.OfType<LinearLayer>().SelectMany(layer => layer.Gradients)];
        _input = empty([count, features], float32);
        _start = start;
        _count = count;
    }

    /// <summary>The gradient of each of the head's parameters, in the order of its <c>parameters()</c>, from the last <see cref="Run"/>.</summary>
    public IReadOnlyList<Tensor> Gradients { get; }

    /// <summary>
    /// This part's share of the gradients of the batch <paramref name="rows"/> at the head's current weights. Its
    /// libtorch calls use this thread alone: the products are small, and a team of OpenMP threads would spin at a
    /// barrier after each whenever another process holds one of their cores (InferenceThreading says why).
    /// </summary>
    public void Run(HeadTrainingBatches batches, HeadTrainingBatches.Rows rows)
    {
        using var oneThread = IntraOpThreads.Use(1);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        batches.Gather(rows, _start, _count, MemoryMarshal.Cast<byte, float>(_input.bytes));
        // activations[i] is layer i's input; the last one the head's outputs.
        var activations = new Tensor[_layers.Length + 1];
        activations[0] = _input;
        for (var i = 0; i < _layers.Length; i++)
        {
            activations[i + 1] = _layers[i].Forward(activations[i]);
        }

        var logits = activations[^1].contiguous();
        Tensor? gradient = empty_like(logits);
        batches.LogitGradient(rows, _start, _count, MemoryMarshal.Cast<byte, float>(logits.bytes), MemoryMarshal.Cast<byte, float>(gradient.bytes));
        for (var i = _layers.Length - 1; i >= _firstWeighted; i--)
        {
            gradient = _layers[i].Backward(activations[i], activations[i + 1], gradient!, needInputGradient: i > _firstWeighted);
        }
    }

    public void Dispose()
    {
        foreach (var layer in _layers)
        {
            layer.Dispose();
        }

        _input.Dispose();
    }

    private abstract class Layer : IDisposable
    {
        public abstract Tensor Forward(Tensor input);

        // The gradient with respect to the input from the one with respect to the output (null where not needed);
        // a layer with weights also writes theirs.
        public abstract Tensor? Backward(Tensor input, Tensor output, Tensor outputGradient, bool needInputGradient);

        public virtual void Dispose()
        {
        }
    }

    private sealed class LinearLayer : Layer
    {
        private readonly Linear _linear;
        private readonly Tensor _weightGradient;
        private readonly Tensor? _biasGradient;

        public LinearLayer(Linear linear)
        {
            _linear = linear;
            _weightGradient = zeros_like(linear.weight!);
            _biasGradient = linear.bias is null ? null : zeros_like(linear.bias);
        }

        public IEnumerable<Tensor> Gradients => _biasGradient is null ? [_weightGradient] : [_weightGradient, _biasGradient];

        public override Tensor Forward(Tensor input) =>
            _linear.bias is { } bias ? addmm(bias, input, _linear.weight!.t(), 1, 1) : input.mm(_linear.weight!.t());

        public override Tensor? Backward(Tensor input, Tensor output, Tensor outputGradient, bool needInputGradient)
        {
            // beta 0: the product overwrites the last step's gradient, whatever it held.
            _weightGradient.addmm_(outputGradient.t(), input, 0, 1);
            _biasGradient?.copy_(outputGradient.sum(dim: 0));
            return needInputGradient ? outputGradient.mm(_linear.weight!) : null;
        }

        public override void Dispose()
        {
            _weightGradient.Dispose();
            _biasGradient?.Dispose();
        }
    }

    private sealed class ReluLayer : Layer
    {
        // Explicit, disposed Scalars: an implicit one is left to the finalizer, which may free it while libtorch reads it.
        private readonly Scalar _zero = 0.ToScalar();

        public override Tensor Forward(Tensor input) => input.relu();

        public override Tensor? Backward(Tensor input, Tensor output, Tensor outputGradient, bool needInputGradient) =>
            outputGradient.mul(output.gt(_zero));

        public override void Dispose() => _zero.Dispose();
    }

    // As SeededDropout computes with a mask: kept elements scaled by 1 / (1 − p).
    private sealed class DropoutLayer : Layer
    {
        private readonly Tensor _mask;
        private readonly Scalar _kept;

        public DropoutLayer(Tensor mask, double probability)
        {
            _mask = mask;
            _kept = (1 - probability).ToScalar();
        }

        public override Tensor Forward(Tensor input) => input.mul(_mask).div_(_kept);

        public override Tensor? Backward(Tensor input, Tensor output, Tensor outputGradient, bool needInputGradient) =>
            outputGradient.mul(_mask).div_(_kept);

        public override void Dispose()
        {
            _mask.Dispose();
            _kept.Dispose();
        }
    }
}
