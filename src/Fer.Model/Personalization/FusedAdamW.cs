using System.Numerics;
using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonalFer.Model;

/// <summary>
/// AdamW as <c>torch.optim.AdamW</c> computes it (decoupled weight decay, bias-corrected moments, default betas and
/// epsilon), in one pass over each parameter's memory. TorchSharp's optimizer runs about eight libtorch operations
/// per parameter, each a full pass over the 590,000 weights of a head's first layer, which made the optimizer the
/// largest cost of a head-training step. For contiguous float32 parameters on the CPU, as a head's are.
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

    /// <summary>Clears every gradient (they accumulate in libtorch otherwise).</summary>
    public void ZeroGrad()
    {
        foreach (var parameter in _parameters)
        {
            parameter.grad?.zero_();
        }
    }

    /// <summary>One update from the gradients of the last backward pass; parameters without a gradient stay.</summary>
    public void Step()
    {
        _steps++;
        var stepSize = (float)(_learningRate / (1 - Math.Pow(Beta1, _steps)));
        var secondCorrection = (float)Math.Sqrt(1 - Math.Pow(Beta2, _steps));
        var decay = (float)(1 - (_learningRate * _weightDecay));
        for (var i = 0; i < _parameters.Length; i++)
        {
            using var gradient = _parameters[i].grad;
            if (gradient is null)
            {
                continue;
            }

            Update(
                MemoryMarshal.Cast<byte, float>(_parameters[i].bytes),
                MemoryMarshal.Cast<byte, float>(gradient.contiguous().bytes),
                _firstMoments[i],
                _secondMoments[i],
                stepSize,
                secondCorrection,
                decay);
        }
    }

    private static void Update(Span<float> weights, ReadOnlySpan<float> gradients, Span<float> first, Span<float> second, float stepSize, float secondCorrection, float decay)
    {
        const float oneMinusBeta1 = (float)(1 - Beta1);
        const float oneMinusBeta2 = (float)(1 - Beta2);
        var i = 0;
        if (Vector.IsHardwareAccelerated && weights.Length >= Vector<float>.Count)
        {
            var beta1 = new Vector<float>((float)Beta1);
            var beta2 = new Vector<float>((float)Beta2);
            var epsilon = new Vector<float>(Epsilon);
            for (; i <= weights.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var g = new Vector<float>(gradients[i..]);
                var m = (beta1 * new Vector<float>(first[i..])) + (oneMinusBeta1 * g);
                var v = (beta2 * new Vector<float>(second[i..])) + (oneMinusBeta2 * g * g);
                var w = new Vector<float>(weights[i..]) * decay;
                w -= stepSize * m / ((Vector.SquareRoot(v) / secondCorrection) + epsilon);
                m.CopyTo(first[i..]);
                v.CopyTo(second[i..]);
                w.CopyTo(weights[i..]);
            }
        }

        for (; i < weights.Length; i++)
        {
            var g = gradients[i];
            first[i] = ((float)Beta1 * first[i]) + (oneMinusBeta1 * g);
            second[i] = ((float)Beta2 * second[i]) + (oneMinusBeta2 * g * g);
            weights[i] = (weights[i] * decay) - (stepSize * first[i] / ((MathF.Sqrt(second[i]) / secondCorrection) + Epsilon));
        }
    }
}
