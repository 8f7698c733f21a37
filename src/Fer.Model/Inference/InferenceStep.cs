using System.Runtime.Intrinsics;
using PersonalFer.Model.Native;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonalFer.Model;

/// <summary>One step of an <see cref="InferenceNetwork"/> path: a tensor in, a tensor out, in the caller's dispose scope.</summary>
internal abstract class InferenceStep : IDisposable
{
    /// <summary>Runs the step; <paramref name="workspace"/> is the call's NNPACK scratch memory (null on a path without NNPACK).</summary>
    public abstract Tensor Forward(Tensor x, AlignedBuffer? workspace);

    public virtual void Dispose()
    {
    }

    /// <summary>A layer without weights (pooling, flatten, dropout in eval mode), run as the module runs it.</summary>
    public sealed class Stateless(nn.Module<Tensor, Tensor> module) : InferenceStep
    {
        public override Tensor Forward(Tensor x, AlignedBuffer? workspace) => module.forward(x);
    }

    /// <summary>ReLU on a convolution's fresh output, in place: saves an activation-sized allocation.</summary>
    public sealed class InPlaceRelu : InferenceStep
    {
        public override Tensor Forward(Tensor x, AlignedBuffer? workspace) => x.relu_();
    }

    /// <summary>
    /// The same [N, C, H, W] values stored channel-innermost, what oneDNN's convolutions are fastest on (TorchSharp
    /// has no memory_format argument: the permutation's contiguous copy, viewed back, has exactly channels-last strides).
    /// </summary>
    public sealed class ToChannelsLast : InferenceStep
    {
        public override Tensor Forward(Tensor x, AlignedBuffer? workspace) => Apply(x);

        public static Tensor Apply(Tensor x) => x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
    }

    /// <summary>
    /// 2×2 max pooling with stride 2 of a contiguous float32 [N, C, H, W] map (odd edges dropped, as MaxPool2d(2)
    /// does), row pair by row pair, four outputs at a time where the CPU has 256-bit vectors. libtorch's own pooling of
    /// this layout is slow on one thread (about 0.26 ms for a 32-channel 48×48 map in a scratch loop).
    /// </summary>
    public sealed class PairMaxPool : InferenceStep
    {
        // Within a vector of eight maxima of two rows: each pair's partner, then the pairs' results in order.
        private static readonly Vector256<int> Partners = Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6);
        private static readonly Vector256<int> Evens = Vector256.Create(0, 2, 4, 6, 0, 2, 4, 6);

        public override unsafe Tensor Forward(Tensor x, AlignedBuffer? workspace)
        {
            RequireContiguousFloat32(x);
            var shape = x.shape; // a new array at every read
            var (planes, height, width) = (shape[0] * shape[1], shape[2], shape[3]);
            var (outputHeight, outputWidth) = (height / 2, width / 2);
            var output = empty([shape[0], shape[1], outputHeight, outputWidth], float32);
            fixed (byte* inputBytes = x.bytes, outputBytes = output.bytes)
            {
                for (long plane = 0; plane < planes; plane++)
                {
                    for (long y = 0; y < outputHeight; y++)
                    {
                        var top = (float*)inputBytes + (((plane * height) + (2 * y)) * width);
                        var bottom = top + width;
                        var row = (float*)outputBytes + (((plane * outputHeight) + y) * outputWidth);
                        long column = 0;
                        if (Vector256.IsHardwareAccelerated)
                        {
                            for (; column + 4 <= outputWidth; column += 4)
                            {
                                var rows = Vector256.Max(Vector256.Load(top + (2 * column)), Vector256.Load(bottom + (2 * column)));
                                var pairs = Vector256.Max(rows, Vector256.Shuffle(rows, Partners));
                                Vector256.Shuffle(pairs, Evens).GetLower().Store(row + column);
                            }
                        }

                        for (; column < outputWidth; column++)
                        {
                            row[column] = Math.Max(
                                Math.Max(top[2 * column], top[(2 * column) + 1]),
                                Math.Max(bottom[2 * column], bottom[(2 * column) + 1]));
                        }
                    }
                }
            }

            return output;
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

        public override Tensor Forward(Tensor x, AlignedBuffer? workspace) =>
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

        public override unsafe Tensor Forward(Tensor x, AlignedBuffer? workspace)
        {
            ArgumentNullException.ThrowIfNull(workspace);
            RequireContiguousFloat32(x);
            // NNPACK reads as many floats per face as the layer was built for: any other shape would be misread.
            var shape = x.shape; // a new array at every read
            if (shape.Length != 4 || (shape[1], shape[2], shape[3]) != _layer.InputShape)
            {
                throw new ArgumentException($"Expected faces of shape {_layer.InputShape}, got [{string.Join(", ", shape)}].", nameof(x));
            }

            var (height, width) = _layer.OutputSize;
            var faces = shape[0];
            var output = empty([faces, _layer.OutputChannels, height, width], float32);
            var inputLength = shape[1] * shape[2] * shape[3];
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

    /// <summary>The steps that read a tensor's memory directly need it float32 and contiguous: anything else would be misread.</summary>
    private static void RequireContiguousFloat32(Tensor x)
    {
        if (x.dtype != ScalarType.Float32 || !x.is_contiguous())
        {
            throw new ArgumentException($"Expected a contiguous float32 tensor, got {x.dtype}{(x.is_contiguous() ? "" : ", not contiguous")}.", nameof(x));
        }
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
