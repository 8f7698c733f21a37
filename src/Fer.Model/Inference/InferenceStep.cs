using PersonalFer.Model.Native;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonalFer.Model;

/// <summary>One step of an <see cref="InferenceNetwork"/> path: a tensor in, a tensor out, in the caller's dispose scope.</summary>
internal abstract class InferenceStep : IDisposable
{
    /// <summary>Runs the step; <paramref name="workspace"/> is the call's NNPACK scratch memory (null on a path without NNPACK).</summary>
    public abstract Tensor Forward(Tensor x, Nnpack.Workspace? workspace);

    public virtual void Dispose()
    {
    }

    /// <summary>A layer without weights (pooling, flatten, dropout in eval mode), run as the module runs it.</summary>
    public sealed class Stateless(nn.Module<Tensor, Tensor> module) : InferenceStep
    {
        public override Tensor Forward(Tensor x, Nnpack.Workspace? workspace) => module.forward(x);
    }

    /// <summary>ReLU on a convolution's fresh output, in place: saves an activation-sized allocation.</summary>
    public sealed class InPlaceRelu : InferenceStep
    {
        public override Tensor Forward(Tensor x, Nnpack.Workspace? workspace) => x.relu_();
    }

    /// <summary>
    /// The same [N, C, H, W] values stored channel-innermost, what oneDNN's convolutions are fastest on (TorchSharp
    /// has no memory_format argument: the permutation's contiguous copy, viewed back, has exactly channels-last strides).
    /// </summary>
    public sealed class ToChannelsLast : InferenceStep
    {
        public override Tensor Forward(Tensor x, Nnpack.Workspace? workspace) => Apply(x);

        public static Tensor Apply(Tensor x) => x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
    }

    /// <summary>
    /// 2×2 max pooling with stride 2 of a contiguous [N, C, H, W] map (odd edges dropped, as MaxPool2d(2) does): the
    /// larger of each pair of rows, then of each pair of columns. libtorch's own pooling of this layout takes about
    /// 8× as long for a 32-channel 48×48 map on one thread.
    /// </summary>
    public sealed class PairMaxPool : InferenceStep
    {
        public override Tensor Forward(Tensor x, Nnpack.Workspace? workspace)
        {
            var (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2] / 2, x.shape[3] / 2);
            var even = x.shape[2] == 2 * h && x.shape[3] == 2 * w ? x : x[.., .., ..(int)(2 * h), ..(int)(2 * w)].contiguous();
            var rows = even.view(n, c, h, 2, 2 * w);
            return maximum(rows.select(3, 0), rows.select(3, 1)).view(n, c, h, w, 2).amax(4);
        }
    }

    /// <summary>
    /// A convolution with its BatchNorm folded in (<see cref="FoldedWeights"/>), by libtorch (oneDNN), weights
    /// channels-last in the step's number format; input of another format is cast (casting keeps channels-last strides).
    /// </summary>
    public sealed class Convolution : InferenceStep
    {
        private readonly Tensor _weight;
        private readonly Tensor _bias;
        private readonly long[] _stride;
        private readonly long[] _padding;
        private readonly long[] _dilation;
        private readonly long _groups;
        private readonly ScalarType _dtype;

        public Convolution(Conv2d conv, BatchNorm? norm, ScalarType dtype)
        {
            _padding = conv.padding ?? throw new NotSupportedException("Only explicit zero padding is folded.");
            using var scope = NewDisposeScope();
            var (weight, bias) = FoldedWeights(conv, norm);
            _weight = ToChannelsLast.Apply(weight.to(dtype)).MoveToOuterDisposeScope();
            _bias = bias.to(dtype).MoveToOuterDisposeScope();
            _dtype = dtype;
            _stride = conv.stride;
            _dilation = conv.dilation;
            _groups = conv.groups;
        }

        public override Tensor Forward(Tensor x, Nnpack.Workspace? workspace) =>
            nn.functional.conv2d(x.dtype == _dtype ? x : x.to(_dtype), _weight, _bias, _stride, _padding, _dilation, _groups);

        public override void Dispose()
        {
            _weight.Dispose();
            _bias.Dispose();
        }
    }

    /// <summary>
    /// A 3×3, stride-1 convolution with its BatchNorm folded in, by NNPACK's Winograd kernel one face at a time on
    /// the calling thread, float32, contiguous [N, C, H, W] in and out; ReLU, if it follows, is applied in NNPACK's
    /// output pass.
    /// </summary>
    public sealed class WinogradConvolution : InferenceStep
    {
        private readonly Nnpack.Convolution _layer;

        public WinogradConvolution(Conv2d conv, BatchNorm? norm, int height, int width, bool relu)
        {
            using var scope = NewDisposeScope();
            var (weight, bias) = FoldedWeights(conv, norm);
            _layer = new Nnpack.Convolution(
                weight.to(float32).contiguous().data<float>().ToArray(), bias.to(float32).data<float>().ToArray(),
                (int)conv.in_channels, height, width, (int)conv.padding![0], relu);
        }

        /// <summary>Output height and width.</summary>
        public (int Height, int Width) OutputSize => _layer.OutputSize;

        /// <summary>Bytes of scratch memory a call needs.</summary>
        public long WorkspaceBytes => _layer.WorkspaceBytes;

        /// <summary>Whether NNPACK runs <paramref name="conv"/> (over <paramref name="channels"/>-channel input): 3×3, stride 1, one group, the same zero padding on every side.</summary>
        public static bool Supports(Conv2d conv, long channels) =>
            conv.in_channels == channels && conv.groups == 1 && conv.padding_mode == TorchSharp.PaddingModes.Zeros
            && conv.kernel_size is [3, 3] && conv.stride is [1, 1] && conv.dilation is [1, 1]
            && conv.padding is [var rows, var columns] && rows == columns && rows is >= 0 and < 3;

        public override unsafe Tensor Forward(Tensor x, Nnpack.Workspace? workspace)
        {
            ArgumentNullException.ThrowIfNull(workspace);
            var (height, width) = _layer.OutputSize;
            var faces = x.shape[0];
            var output = empty([faces, _layer.OutputChannels, height, width], float32);
            var inputLength = x.shape[1] * x.shape[2] * x.shape[3];
            var outputLength = _layer.OutputChannels * height * width;
            fixed (byte* input = x.bytes, result = output.bytes)
            {
                // One face per call: NNPACK's single-image kernel is the fast one.
                for (var face = 0; face < faces; face++)
                {
                    _layer.Run((float*)input + (face * inputLength), (float*)result + (face * outputLength), workspace);
                }
            }

            return output;
        }

        public override void Dispose() => _layer.Dispose();
    }

    /// <summary>
    /// The float64 weights [out, in, kH, kW] and bias of the convolution followed by <paramref name="norm"/> (eval
    /// mode) as one convolution: in eval mode BatchNorm is a per-channel affine map, so per output channel,
    /// scale = γ / √(var + ε), weight × scale and (bias − mean) × scale + β. In the caller's dispose scope.
    /// </summary>
    private static (Tensor Weight, Tensor Bias) FoldedWeights(Conv2d conv, BatchNorm? norm)
    {
        if (conv.padding_mode != TorchSharp.PaddingModes.Zeros)
        {
            throw new NotSupportedException("Only zero-padded convolutions are folded.");
        }

        using var noGrad = no_grad();
        var weight = conv.weight!.detach().to(float64);
        var bias = conv.bias is { } b ? b.detach().to(float64) : zeros(conv.out_channels, float64);
        if (norm is not null)
        {
            var scale = norm.weight!.detach().to(float64) / (norm.running_var!.to(float64) + norm.eps).sqrt();
            weight = weight * scale.view(-1, 1, 1, 1);
            bias = ((bias - norm.running_mean!.to(float64)) * scale) + norm.bias!.detach().to(float64);
        }

        return (weight, bias);
    }
}
