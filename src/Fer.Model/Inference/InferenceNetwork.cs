using PersonalFer.Model.Networks;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonalFer.Model;

/// <summary>
/// The network as inference runs it, built from the trained one: every BatchNorm folded into the convolution before
/// it (in eval mode BatchNorm is a per-channel affine map, so the convolution's weights and bias absorb it and a
/// whole pass over each activation disappears), convolution weights channels-last (what oneDNN's convolutions are
/// fastest on) and in the inference precision, except a convolution of one input channel (the first), which stays
/// float32: with nine products per output oneDNN's bfloat16 kernel gains nothing there and runs about 4× slower than
/// the float32 one. The head stays float32. Read-only once built, so any number of threads may run it at once.
/// </summary>
internal sealed class InferenceNetwork : IDisposable
{
    // Owns the head and the stateless layers (ReLU is applied in place instead, pooling, flatten, dropout) the steps run.
    private readonly FerNetwork _copy;
    private readonly List<Step> _steps = [];
    private readonly ScalarType _dtype;

    public InferenceNetwork(FerNetwork trained, ModelArchitecture architecture, InferencePrecision precision)
    {
        _dtype = precision == InferencePrecision.BFloat16 ? bfloat16 : float32;
        _copy = NetworkFactory.Create(architecture);
        try
        {
            using (no_grad())
            {
                _copy.load_state_dict(trained.state_dict());
            }

            _copy.eval();
            BuildSteps();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The general head (float32, eval).</summary>
    public nn.Module<Tensor, Tensor> Head => _copy.Head;

    /// <summary>Float32 features [N, FeatureSize] of normalized float32 input [N, 1, 48, 48], in the caller's dispose scope.</summary>
    public Tensor Features(Tensor input)
    {
        var x = ToChannelsLast(input);
        foreach (var step in _steps)
        {
            x = step.Forward(x);
        }

        return x.to(float32);
    }

    private void BuildSteps()
    {
        var layers = Leaves(_copy.Features).ToList();
        for (var i = 0; i < layers.Count; i++)
        {
            switch (layers[i])
            {
                case Conv2d conv:
                    var norm = i + 1 < layers.Count ? layers[i + 1] as BatchNorm : null;
                    _steps.Add(Convolution.Fold(conv, norm, conv.in_channels == 1 ? float32 : _dtype));
                    i += norm is null ? 0 : 1;
                    break;
                case ReLU:
                    _steps.Add(new InPlaceRelu());
                    break;
                case BatchNorm:
                    throw new NotSupportedException("A BatchNorm that does not follow a convolution cannot be folded.");
                default:
                    _steps.Add(new Stateless(layers[i] as nn.Module<Tensor, Tensor>
                        ?? throw new NotSupportedException($"Layer {layers[i].GetName()} is not a tensor-to-tensor module.")));
                    break;
            }
        }
    }

    /// <summary>The layers of <paramref name="module"/> in the order its forward runs them (containers are sequential).</summary>
    private static IEnumerable<nn.Module> Leaves(nn.Module module)
    {
        var children = module.children().ToList();
        return children.Count == 0 ? [module] : children.SelectMany(Leaves);
    }

    /// <summary>
    /// The same [N, C, H, W] values stored channel-innermost (TorchSharp has no memory_format argument: the
    /// permutation's contiguous copy, viewed back, has exactly channels-last strides).
    /// </summary>
    private static Tensor ToChannelsLast(Tensor batch) => batch.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);

    public void Dispose()
    {
        foreach (var step in _steps)
        {
            step.Dispose();
        }

        _copy.Dispose();
    }

    private abstract class Step : IDisposable
    {
        public abstract Tensor Forward(Tensor x);

        public virtual void Dispose()
        {
        }
    }

    private sealed class Stateless(nn.Module<Tensor, Tensor> module) : Step
    {
        public override Tensor Forward(Tensor x) => module.forward(x);
    }

    // The convolution's output is fresh, so rectifying it in place saves an activation-sized allocation.
    private sealed class InPlaceRelu : Step
    {
        public override Tensor Forward(Tensor x) => x.relu_();
    }

    private sealed class Convolution : Step
    {
        private readonly Tensor _weight;
        private readonly Tensor _bias;
        private readonly long[] _stride;
        private readonly long[] _padding;
        private readonly long[] _dilation;
        private readonly long _groups;
        private readonly ScalarType _dtype;

        private Convolution(Tensor weight, Tensor bias, Conv2d conv)
        {
            _dtype = weight.dtype;
            _weight = weight;
            _bias = bias;
            _stride = conv.stride;
            _padding = conv.padding ?? throw new NotSupportedException("Only explicit zero padding is folded.");
            _dilation = conv.dilation;
            _groups = conv.groups;
        }

        /// <summary>
        /// The convolution followed by <paramref name="norm"/> (eval mode) as one convolution: per output channel,
        /// scale = γ / √(var + ε), weight × scale and (bias − mean) × scale + β, computed in float64.
        /// </summary>
        public static Convolution Fold(Conv2d conv, BatchNorm? norm, ScalarType dtype)
        {
            if (conv.padding_mode != TorchSharp.PaddingModes.Zeros)
            {
                throw new NotSupportedException("Only zero-padded convolutions are folded.");
            }

            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var weight = conv.weight.detach().to(float64);
            var bias = conv.bias is { } b ? b.detach().to(float64) : zeros(conv.out_channels, float64);
            if (norm is not null)
            {
                var scale = norm.weight!.detach().to(float64) / (norm.running_var!.to(float64) + norm.eps).sqrt();
                weight = weight * scale.view(-1, 1, 1, 1);
                bias = ((bias - norm.running_mean!.to(float64)) * scale) + norm.bias!.detach().to(float64);
            }

            return new Convolution(
                ToChannelsLast(weight.to(dtype)).MoveToOuterDisposeScope(),
                bias.to(dtype).MoveToOuterDisposeScope(),
                conv);
        }

        // Casting keeps channels-last strides.
        public override Tensor Forward(Tensor x) =>
            nn.functional.conv2d(x.dtype == _dtype ? x : x.to(_dtype), _weight, _bias, _stride, _padding, _dilation, _groups);

        public override void Dispose()
        {
            _weight.Dispose();
            _bias.Dispose();
        }
    }
}
