using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonalFer.Model;

/// <summary>
/// AdamW as <c>torch.optim.AdamW</c> computes it (decoupled weight decay, bias-corrected moments, default betas and
/// epsilon), in one pass over each parameter's memory. TorchSharp's optimizer runs about eight libtorch operations
/// per parameter, each a full pass over the 590,000 weights of a head's first layer, which made the optimizer the
/// largest cost of a head-training step. For contiguous float32 parameters on the CPU, as a head's are. A copy of
/// the module that shares its weights but keeps gradients of its own (computing another part of each batch, on
/// another thread) adds its gradients to the parameters' own, in the same pass.
/// </summary>
internal sealed class FusedAdamW
{
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const float Epsilon = 1e-8f;

    private readonly Parameter[] _parameters;
    // Per parameter, the same weights in the weight-sharing copy, whose gradients add to the parameter's; or null.
    private readonly Parameter[]? _copy;
    private readonly float[][] _firstMoments;
    private readonly float[][] _secondMoments;
    private readonly double _learningRate;
    private readonly double _weightDecay;
    private int _steps;

    /// <param name="parameters">What the optimizer updates.</param>
    /// <param name="learningRate">AdamW's learning rate.</param>
    /// <param name="weightDecay">Decoupled weight decay.</param>
    /// <param name="sharingCopy">The parameters, in the same order, of a module whose weights are views of <paramref name="parameters"/>, or null.</param>
    public FusedAdamW(IEnumerable<Parameter> parameters, double learningRate, double weightDecay, IEnumerable<Parameter>? sharingCopy = null)
    {
        _parameters = [.. parameters];
        foreach (var parameter in _parameters)
        {
            if (parameter.dtype != ScalarType.Float32 || parameter.device_type != DeviceType.CPU || !parameter.is_contiguous())
            {
                throw new ArgumentException("Every parameter must be a contiguous float32 CPU tensor.", nameof(parameters));
            }
        }

        _copy = sharingCopy?.ToArray();
        if (_copy is not null && (_copy.Length != _parameters.Length
            || _copy.Zip(_parameters).Any(pair => !SameMemory(pair.First, pair.Second))))
        {
            throw new ArgumentException("The copy's parameters do not share their weights with the parameters in the same places.", nameof(sharingCopy));
        }

        _firstMoments = [.. _parameters.Select(p => new float[p.numel()])];
        _secondMoments = [.. _parameters.Select(p => new float[p.numel()])];
        _learningRate = learningRate;
        _weightDecay = weightDecay;
    }

    /// <summary>Starts the next step: its factors, for <see cref="Update"/>.</summary>
    public StepFactors Next()
    {
        _steps++;
        return new StepFactors(
            (float)(_learningRate / (1 - Math.Pow(Beta1, _steps))),
            (float)Math.Sqrt(1 - Math.Pow(Beta2, _steps)),
            (float)(1 - (_learningRate * _weightDecay)));
    }

    /// <summary>
    /// Part <paramref name="part"/> of <paramref name="parts"/> of a step's update, from the gradients of the last
    /// backward pass, which it clears as it reads them (the next backward pass adds into them): the parts of a step
    /// cover every weight once, so they may run at the same time on different threads. Parameters without a gradient
    /// stay.
    /// </summary>
    /// <remarks>
    /// Gradients are cleared in place, not dropped: a dropped gradient makes the next backward pass allocate a fresh
    /// one, and at this size every fresh one is new memory from the kernel, paid for in page faults (the steps took
    /// about twice as long).
    /// </remarks>
    public void Update(StepFactors step, int part, int parts)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parts);
        ArgumentOutOfRangeException.ThrowIfNegative(part);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(part, parts);
        // Reading a gradient makes a tensor handle: the scope disposes it on this thread, whichever thread this is.
        using var scope = NewDisposeScope();
        for (var i = 0; i < _parameters.Length; i++)
        {
            using var own = _parameters[i].grad;
            using var copied = _copy?[i].grad;
            if (own is null && copied is null)
            {
                continue;
            }

            var weights = MemoryMarshal.Cast<byte, float>(_parameters[i].bytes);
            var (start, end) = (PartStart(weights.Length, part, parts), PartStart(weights.Length, part + 1, parts));
            var first = Floats(own ?? copied!);
            var second = own is not null && copied is not null ? Floats(copied) : [];
            UpdateRange(
                weights[start..end],
                first[start..end],
                second.IsEmpty ? second : second[start..end],
                _firstMoments[i].AsSpan(start..end),
                _secondMoments[i].AsSpan(start..end),
                step);
        }
    }

    /// <summary>The factors of one step: the bias-corrected step size, the second moment's correction, the weight decay.</summary>
    internal readonly record struct StepFactors(float StepSize, float SecondCorrection, float Decay);

    /// <summary>Whether two tensors are views of the same memory, of the same shape.</summary>
    internal static bool SameMemory(Tensor a, Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.bytes.Length == b.bytes.Length
        && Unsafe.AreSame(ref MemoryMarshal.GetReference(a.bytes), ref MemoryMarshal.GetReference(b.bytes));

    // Where part of parts of a parameter's weights starts: parts begin on 64-byte cache lines, so two threads never
    // write the same line.
    private static int PartStart(int length, int part, int parts) =>
        part == parts ? length : (int)((long)length * part / parts) & ~15;

    // A gradient's values as they lie in memory (backward passes write them contiguous).
    private static Span<float> Floats(Tensor gradient) => gradient.is_contiguous()
        ? MemoryMarshal.Cast<byte, float>(gradient.bytes)
        : throw new ArgumentException("A gradient is not contiguous.", nameof(gradient));

    // The update with gradient first + second (second empty: first alone), clearing both.
    private static void UpdateRange(Span<float> weights, Span<float> first, Span<float> second, Span<float> firstMoments, Span<float> secondMoments, StepFactors step)
    {
        var (stepSize, secondCorrection, decay) = step;
        const float oneMinusBeta1 = (float)(1 - Beta1);
        const float oneMinusBeta2 = (float)(1 - Beta2);
        var summed = !second.IsEmpty;
        var i = 0;
        if (Vector.IsHardwareAccelerated && weights.Length >= Vector<float>.Count)
        {
            var beta1 = new Vector<float>((float)Beta1);
            var beta2 = new Vector<float>((float)Beta2);
            var epsilon = new Vector<float>(Epsilon);
            for (; i <= weights.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var g = summed ? new Vector<float>(first[i..]) + new Vector<float>(second[i..]) : new Vector<float>(first[i..]);
                Vector<float>.Zero.CopyTo(first[i..]);
                if (summed)
                {
                    Vector<float>.Zero.CopyTo(second[i..]);
                }

                var m = (beta1 * new Vector<float>(firstMoments[i..])) + (oneMinusBeta1 * g);
                var v = (beta2 * new Vector<float>(secondMoments[i..])) + (oneMinusBeta2 * g * g);
                var w = new Vector<float>(weights[i..]) * decay;
                w -= stepSize * m / ((Vector.SquareRoot(v) / secondCorrection) + epsilon);
                m.CopyTo(firstMoments[i..]);
                v.CopyTo(secondMoments[i..]);
                w.CopyTo(weights[i..]);
            }
        }

        for (; i < weights.Length; i++)
        {
            var g = summed ? first[i] + second[i] : first[i];
            first[i] = 0;
            if (summed)
            {
                second[i] = 0;
            }

            firstMoments[i] = ((float)Beta1 * firstMoments[i]) + (oneMinusBeta1 * g);
            secondMoments[i] = ((float)Beta2 * secondMoments[i]) + (oneMinusBeta2 * g * g);
            weights[i] = (weights[i] * decay) - (stepSize * firstMoments[i] / ((MathF.Sqrt(secondMoments[i]) / secondCorrection) + Epsilon));
        }
    }
}
