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
/// largest cost of a head-training step. For contiguous float32 parameters on the CPU, as a head's are. The gradient
/// may come in two parts (two halves of a batch, computed apart), added in the same pass; and a step's update may be
/// split between threads.
/// </summary>
internal sealed class FusedAdamW
{
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const float Epsilon = 1e-8f;

    private readonly Parameter[] _parameters;
    private readonly float[][] _firstMoments;
    private readonly float[][] _secondMoments;
    private readonly double _learningRate;
    private readonly double _weightDecay;
    private int _steps;

    /// <param name="parameters">What the optimizer updates.</param>
    /// <param name="learningRate">AdamW's learning rate.</param>
    /// <param name="weightDecay">Decoupled weight decay.</param>
    public FusedAdamW(IEnumerable<Parameter> parameters, double learningRate, double weightDecay)
    {
        _parameters = [.. parameters];
        foreach (var parameter in _parameters)
        {
            if (parameter.dtype != ScalarType.Float32 || parameter.device_type != DeviceType.CPU || !parameter.is_contiguous())
            {
                throw new ArgumentException("Every parameter must be a contiguous float32 CPU tensor.", nameof(parameters));
            }
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
    /// Part <paramref name="part"/> of <paramref name="parts"/> of a step's update from <paramref name="gradients"/>
    /// plus <paramref name="moreGradients"/> (one per parameter, in order, each of its parameter's shape): the parts of
    /// a step cover every weight once, so they may run at the same time on different threads. The gradients are read,
    /// not changed.
    /// </summary>
    /// <exception cref="ArgumentException">A gradient is missing or not of its parameter's shape, or not a contiguous float32 tensor.</exception>
    public void Update(StepFactors step, int part, int parts, IReadOnlyList<Tensor> gradients, IReadOnlyList<Tensor>? moreGradients = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parts);
        ArgumentOutOfRangeException.ThrowIfNegative(part);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(part, parts);
        // Every gradient is checked before any weight changes: a refused call leaves the parameters as they were.
        for (var i = 0; i < _parameters.Length; i++)
        {
            Floats(gradients, i, nameof(gradients));
            if (moreGradients is not null)
            {
                Floats(moreGradients, i, nameof(moreGradients));
            }
        }

        for (var i = 0; i < _parameters.Length; i++)
        {
            var weights = MemoryMarshal.Cast<byte, float>(_parameters[i].bytes);
            var (start, end) = (PartStart(weights.Length, part, parts), PartStart(weights.Length, part + 1, parts));
            var first = Floats(gradients, i, nameof(gradients));
            var second = moreGradients is null ? [] : Floats(moreGradients, i, nameof(moreGradients));
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

    // Where part of parts of a parameter's weights starts: on a multiple of 16 floats (64 bytes), so two threads share
    // at most the one cache line of each array where their parts meet.
    private static int PartStart(int length, int part, int parts) =>
        part == parts ? length : (int)((long)length * part / parts) & ~15;

    // The values of parameter i's gradient as they lie in memory.
    private ReadOnlySpan<float> Floats(IReadOnlyList<Tensor> gradients, int i, string name)
    {
        if (gradients.Count != _parameters.Length)
        {
            throw new ArgumentException($"{gradients.Count} gradients for {_parameters.Length} parameters.", name);
        }

        var gradient = gradients[i];
        return gradient.dtype == ScalarType.Float32 && gradient.device_type == DeviceType.CPU && gradient.is_contiguous()
            && gradient.shape.SequenceEqual(_parameters[i].shape)
            ? MemoryMarshal.Cast<byte, float>(gradient.bytes)
            : throw new ArgumentException($"Gradient {i} is not a contiguous float32 CPU tensor of its parameter's shape.", name);
    }

    // The update with gradient first + second (second empty: first alone).
    // Optimized from its first call: a fine-tune runs it over every weight at every step, and left to tiered compilation
    // such loops ran unoptimized through a process's first fine-tunes (the first took about twice as long).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UpdateRange(Span<float> weights, ReadOnlySpan<float> first, ReadOnlySpan<float> second, Span<float> firstMoments, Span<float> secondMoments, StepFactors step)
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
            firstMoments[i] = ((float)Beta1 * firstMoments[i]) + (oneMinusBeta1 * g);
            secondMoments[i] = ((float)Beta2 * secondMoments[i]) + (oneMinusBeta2 * g * g);
            weights[i] = (weights[i] * decay) - (stepSize * firstMoments[i] / ((MathF.Sqrt(secondMoments[i]) / secondCorrection) + Epsilon));
        }
    }
}
