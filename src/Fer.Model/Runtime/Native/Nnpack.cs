using System.Runtime.InteropServices;

namespace PersonalFer.Model.Native;

/// <summary>
/// NNPACK's single-image 3×3 convolution (Winograd F(6×6, 3×3)), which libtorch's CPU library carries and exports
/// but TorchSharp does not bind. On one thread it needs less than half of oneDNN's time for PersonalFer's layers,
/// on AVX2 and AVX-512 CPUs alike (docs/BENCHMARKS.md). Only AVX2 + FMA3 x86-64 CPUs are supported by NNPACK.
/// </summary>
/// <remarks>
/// Every call runs on the calling thread (no thread pool is passed), so it has no barrier to wait at when the
/// machine is busy. <see cref="IsAvailable"/> is false — and callers use libtorch's own convolutions — where the
/// library lacks the functions, NNPACK does not support the CPU, or a known-answer check disagrees with a direct
/// convolution (a different NNPACK build behind the same names).
/// </remarks>
internal static unsafe class Nnpack
{
    private const int Success = 0;
    private const int WinogradAlgorithm = 3;
    private const int PrecomputeStrategy = 2;
    private const int ReuseStrategy = 3;
    private const int IdentityActivation = 0;
    private const int ReluActivation = 1;

    private static readonly Lazy<Functions?> Loaded = new(Load);

    /// <summary>True when NNPACK's convolution can be used in this process.</summary>
    public static bool IsAvailable => Loaded.Value is not null;

    /// <summary>
    /// A 3×3, stride-1 convolution of channels × height × width float32 images with the same zero padding on every
    /// side, its weights ([out, in, 3, 3]) transformed once when built.
    /// </summary>
    public sealed class Convolution : IDisposable
    {
        private readonly Functions _nnpack;
        private readonly Geometry _geometry;
        private readonly int _outputChannels;
        private readonly bool _relu;
        private void* _kernel;
        private float* _bias;

        /// <exception cref="InvalidOperationException">NNPACK is not available or refused the layer.</exception>
        public Convolution(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, int inputChannels, int height, int width, int padding, bool relu)
            : this(Loaded.Value ?? throw new InvalidOperationException("NNPACK is not available in this process."), weights, bias, inputChannels, height, width, padding, relu)
        {
        }

        internal Convolution(Functions nnpack, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, int inputChannels, int height, int width, int padding, bool relu)
        {
            _nnpack = nnpack;
            ArgumentOutOfRangeException.ThrowIfNotEqual(weights.Length, bias.Length * inputChannels * 9, nameof(weights));
            _geometry = new Geometry(inputChannels, bias.Length, height, width, padding);
            _outputChannels = bias.Length;
            _relu = relu;
            try
            {
                _bias = (float*)NativeMemory.AlignedAlloc((nuint)(bias.Length * sizeof(float)), 64);
                bias.CopyTo(new Span<float>(_bias, bias.Length));
                _kernel = _nnpack.TransformKernel(_geometry, weights, out var kernelBytes);
                KernelBytes = (long)kernelBytes;
                WorkspaceBytes = (long)_nnpack.WorkspaceSize(_geometry);
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        /// <summary>Output height and width.</summary>
        public (int Height, int Width) OutputSize => (_geometry.OutputHeight, _geometry.OutputWidth);

        /// <summary>Output channels.</summary>
        public int OutputChannels => _outputChannels;

        /// <summary>Bytes of the transformed weights this layer keeps.</summary>
        public long KernelBytes { get; }

        /// <summary>Bytes of scratch memory one <see cref="Run"/> needs.</summary>
        public long WorkspaceBytes { get; }

        /// <summary>Convolves one image into <paramref name="output"/> (ReLU applied if asked), using <paramref name="workspace"/>.</summary>
        /// <exception cref="InvalidOperationException">NNPACK reported a failure; the message gives its status code.</exception>
        public void Run(float* input, float* output, Workspace workspace)
        {
            ObjectDisposedException.ThrowIf(_kernel is null, this);
            ArgumentOutOfRangeException.ThrowIfLessThan(workspace.Bytes, WorkspaceBytes, nameof(workspace));
            _nnpack.Convolve(_geometry, input, _kernel, _bias, output, workspace, _relu ? ReluActivation : IdentityActivation);
        }

        public void Dispose()
        {
            NativeMemory.AlignedFree(_kernel);
            NativeMemory.AlignedFree(_bias);
            _kernel = null;
            _bias = null;
        }
    }

    /// <summary>Scratch memory for one convolution at a time: one per concurrent caller.</summary>
    public sealed class Workspace(long bytes) : IDisposable
    {
        public long Bytes { get; } = bytes;

        internal void* Memory { get; private set; } = NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 64), 64);

        public void Dispose()
        {
            NativeMemory.AlignedFree(Memory);
            Memory = null;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    internal readonly record struct Size(nuint Width, nuint Height);

    [StructLayout(LayoutKind.Sequential)]
    internal readonly record struct Padding(nuint Top, nuint Right, nuint Bottom, nuint Left);

    internal readonly record struct Geometry(int InputChannels, int OutputChannels, int Height, int Width, int Padding)
    {

        public int OutputHeight => Height + (2 * Padding) - 2;

        public int OutputWidth => Width + (2 * Padding) - 2;
    }

    internal sealed class Functions(
        delegate* unmanaged[Cdecl]<int, int, nuint, nuint, Size, Padding, Size, Size, float*, void*, float*, float*, void*, nuint*, int, void*, nint, void*, int> inference)
    {
        private static readonly Size KernelSize = new(3, 3);
        private static readonly Size Stride = new(1, 1);

        public void* TransformKernel(Geometry geometry, ReadOnlySpan<float> weights, out nuint bytes)
        {
            bytes = 0;
            nuint size = 0;
            Check(Call(geometry, PrecomputeStrategy, null, null, null, null, null, &size, IdentityActivation), "sizing the transformed weights");
            var kernel = NativeMemory.AlignedAlloc(Math.Max(size, 64), 64);
            fixed (float* source = weights)
            {
                var status = Call(geometry, PrecomputeStrategy, null, source, null, null, kernel, &size, IdentityActivation);
                if (status != Success)
                {
                    NativeMemory.AlignedFree(kernel);
                    Check(status, "transforming the weights");
                }
            }

            bytes = size;
            return kernel;
        }

        public nuint WorkspaceSize(Geometry geometry)
        {
            nuint size = 0;
            Check(Call(geometry, ReuseStrategy, null, null, null, null, null, &size, IdentityActivation), "sizing the workspace");
            return size;
        }

        public void Convolve(Geometry geometry, float* input, void* kernel, float* bias, float* output, Workspace workspace, int activation)
        {
            var size = (nuint)workspace.Bytes;
            Check(Call(geometry, ReuseStrategy, input, kernel, bias, output, workspace.Memory, &size, activation), "convolving");
        }

        private int Call(Geometry g, int strategy, float* input, void* kernel, float* bias, float* output, void* workspace, nuint* workspaceSize, int activation) =>
            inference(WinogradAlgorithm, strategy, (nuint)g.InputChannels, (nuint)g.OutputChannels, new Size((nuint)g.Width, (nuint)g.Height),
                new Padding((nuint)g.Padding, (nuint)g.Padding, (nuint)g.Padding, (nuint)g.Padding), KernelSize, Stride,
                input, kernel, bias, output, workspace, workspaceSize, activation, null, 0, null);

        private static void Check(int status, string step)
        {
            if (status != Success)
            {
                throw new InvalidOperationException($"NNPACK failed {step}: status {status}.");
            }
        }
    }

    private static Functions? Load()
    {
        TorchRuntime.EnsureInitialized();
        if (!MappedLibraries.TryGetExport(TorchRuntime.LibTorchCpu, "nnp_initialize", out var initialize)
            || !MappedLibraries.TryGetExport(TorchRuntime.LibTorchCpu, "nnp_convolution_inference", out var inference)
            || ((delegate* unmanaged[Cdecl]<int>)initialize)() != Success)
        {
            return null;
        }

        var functions = new Functions((delegate* unmanaged[Cdecl]<int, int, nuint, nuint, Size, Padding, Size, Size, float*, void*, float*, float*, void*, nuint*, int, void*, nint, void*, int>)inference);
        return AgreesWithDirectConvolution(functions) ? functions : null;
    }

    /// <summary>
    /// Convolves a small fixed image with fixed weights through NNPACK and directly, ReLU included: a build whose
    /// function takes other arguments behind the same name fails here instead of computing wrong features.
    /// </summary>
    private static bool AgreesWithDirectConvolution(Functions functions)
    {
        const int inputs = 3, outputs = 5, side = 7, padding = 1;
        var input = Enumerable.Range(0, inputs * side * side).Select(i => (float)Math.Sin(i * 0.37)).ToArray();
        var weights = Enumerable.Range(0, outputs * inputs * 9).Select(i => (float)Math.Cos(i * 0.61)).ToArray();
        var bias = Enumerable.Range(0, outputs).Select(i => (i * 0.25f) - 0.5f).ToArray();
        try
        {
            using var layer = new Convolution(functions, weights, bias, inputs, side, side, padding, relu: true);
            using var workspace = new Workspace(layer.WorkspaceBytes);
            var output = new float[outputs * side * side];
            fixed (float* source = input, target = output)
            {
                layer.Run(source, target, workspace);
            }

            for (var o = 0; o < outputs; o++)
            {
                for (var y = 0; y < side; y++)
                {
                    for (var x = 0; x < side; x++)
                    {
                        var expected = Math.Max(0, DirectConvolution(input, weights, bias[o], inputs, side, o, y, x));
                        if (Math.Abs(output[(((o * side) + y) * side) + x] - expected) > 1e-3)
                        {
                            return false;
                        }
                    }
                }
            }

            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static double DirectConvolution(float[] input, float[] weights, float bias, int inputs, int side, int output, int y, int x)
    {
        double sum = bias;
        for (var c = 0; c < inputs; c++)
        {
            for (var dy = -1; dy <= 1; dy++)
            {
                for (var dx = -1; dx <= 1; dx++)
                {
                    var (row, column) = (y + dy, x + dx);
                    if (row >= 0 && row < side && column >= 0 && column < side)
                    {
                        sum += input[(((c * side) + row) * side) + column] * weights[(((((output * inputs) + c) * 3) + dy + 1) * 3) + dx + 1];
                    }
                }
            }
        }

        return sum;
    }
}
