namespace PersonalFer.Model.Native;

/// <summary>
/// NNPACK's single-image 3×3 convolution (Winograd F(6×6, 3×3)), which libtorch's CPU library carries and exports
/// but TorchSharp does not bind. It does fewer multiplications than a direct convolution, and on one thread it cut
/// the float32 network's time per face by 25–44 % against oneDNN's convolutions (docs/BENCHMARKS.md).
/// </summary>
/// <remarks>
/// Every call runs on the calling thread (no thread pool is passed), so it has no barrier to wait at when the
/// machine is busy. <see cref="IsAvailable"/> is false — and callers use libtorch's own convolutions — where the
/// library lacks the functions, NNPACK refuses the CPU (libtorch's x86-64 build needs AVX2, FMA3 and readable sizes
/// of three cache levels), or a known-answer check computes something other than a direct convolution.
/// </remarks>
internal static unsafe class Nnpack
{
    private const int Success = 0;
    private const int WinogradAlgorithm = 3;
    private const int PrecomputeStrategy = 2;
    private const int ReuseStrategy = 3;
    private const int IdentityActivation = 0;
    private const int ReluActivation = 1;

    private static readonly Lazy<(Functions? Functions, string? Unavailable)> Loaded = new(Load);

    /// <summary>True when NNPACK's convolution can be used in this process.</summary>
    public static bool IsAvailable => Loaded.Value.Functions is not null;

    /// <summary>Why NNPACK is not used here, or null when it is.</summary>
    public static string? Unavailable => Loaded.Value.Unavailable;

    /// <summary>What <see cref="Unavailable"/> says when <c>nnp_initialize</c> refuses the CPU.</summary>
    internal const string RefusedCpu = "NNPACK does not support this CPU (it needs AVX2, FMA3 and three cache levels it can read)";

    /// <summary>
    /// A 3×3, stride-1 convolution of channels × height × width float32 images with the same zero padding on every
    /// side, its weights ([out, in, 3, 3]) transformed once when built.
    /// </summary>
    public sealed class Convolution : IDisposable
    {
        private readonly Functions _nnpack;
        private readonly Geometry _geometry;
        private readonly bool _relu;
        private readonly AlignedBuffer _kernel;
        private readonly AlignedBuffer _bias;

        /// <exception cref="InvalidOperationException">NNPACK is not available or refused the layer.</exception>
        public Convolution(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, int inputChannels, int height, int width, int padding, bool relu)
            : this(Loaded.Value.Functions ?? throw new InvalidOperationException($"NNPACK is not available: {Unavailable}."), weights, bias, inputChannels, height, width, padding, relu)
        {
        }

        internal Convolution(Functions nnpack, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, int inputChannels, int height, int width, int padding, bool relu)
        {
            ArgumentOutOfRangeException.ThrowIfNotEqual(weights.Length, bias.Length * inputChannels * 9, nameof(weights));
            _nnpack = nnpack;
            _geometry = new Geometry(inputChannels, bias.Length, height, width, padding);
            _relu = relu;
            _bias = new AlignedBuffer(bias.Length * sizeof(float));
            using (var lease = _bias.Acquire())
            {
                bias.CopyTo(new Span<float>(lease.Pointer, bias.Length));
            }

            try
            {
                _kernel = _nnpack.TransformKernel(_geometry, weights);
                WorkspaceBytes = (long)_nnpack.WorkspaceSize(_geometry);
            }
            catch
            {
                _kernel?.Dispose();
                _bias.Dispose();
                throw;
            }
        }

        /// <summary>Input channels, height and width.</summary>
        public (int Channels, int Height, int Width) InputShape => (_geometry.InputChannels, _geometry.Height, _geometry.Width);

        /// <summary>Output channels.</summary>
        public int OutputChannels => _geometry.OutputChannels;

        /// <summary>Output height and width.</summary>
        public (int Height, int Width) OutputSize => (_geometry.OutputHeight, _geometry.OutputWidth);

        /// <summary>Bytes of scratch memory one <see cref="Run"/> needs.</summary>
        public long WorkspaceBytes { get; }

        /// <summary>
        /// Convolves one image (<see cref="InputShape"/> floats) into <paramref name="output"/> (ReLU applied if
        /// asked), using <paramref name="workspace"/>.
        /// </summary>
        /// <exception cref="ObjectDisposedException">The layer or the workspace was disposed.</exception>
        /// <exception cref="ArgumentOutOfRangeException">The workspace is smaller than <see cref="WorkspaceBytes"/>.</exception>
        /// <exception cref="InvalidOperationException">NNPACK reported a failure; the message gives its status code.</exception>
        public void Run(float* input, float* output, AlignedBuffer workspace)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(workspace.Bytes, WorkspaceBytes, nameof(workspace));
            using var kernel = _kernel.Acquire();
            using var bias = _bias.Acquire();
            // A freed (null) workspace would turn the call into a size query that succeeds without computing.
            using var scratch = workspace.Acquire();
            _nnpack.Convolve(_geometry, input, kernel.Pointer, (float*)bias.Pointer, output, scratch.Pointer, workspace.Bytes, _relu ? ReluActivation : IdentityActivation);
        }

        public void Dispose()
        {
            _kernel.Dispose();
            _bias.Dispose();
        }
    }

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    internal readonly record struct Size(nuint Width, nuint Height);

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    internal readonly record struct Padding(nuint Top, nuint Right, nuint Bottom, nuint Left);

    internal readonly record struct Geometry(int InputChannels, int OutputChannels, int Height, int Width, int Padding)
    {
        public int OutputHeight => Height + (2 * Padding) - 2;

        public int OutputWidth => Width + (2 * Padding) - 2;
    }

    /// <summary>The bound <c>nnp_convolution_inference</c> (NNPACK's C API as libtorch 2.x builds it).</summary>
    internal sealed class Functions(
        delegate* unmanaged[Cdecl]<int, int, nuint, nuint, Size, Padding, Size, Size, float*, void*, float*, float*, void*, nuint*, int, void*, nint, void*, int> inference)
    {
        private static readonly Size KernelSize = new(3, 3);
        private static readonly Size Stride = new(1, 1);

        public AlignedBuffer TransformKernel(Geometry geometry, ReadOnlySpan<float> weights)
        {
            nuint size = 0;
            Check(Call(geometry, PrecomputeStrategy, null, null, null, null, null, &size, IdentityActivation), "sizing the transformed weights");
            var kernel = new AlignedBuffer((long)size);
            try
            {
                using var lease = kernel.Acquire();
                fixed (float* source = weights)
                {
                    Check(Call(geometry, PrecomputeStrategy, null, source, null, null, lease.Pointer, &size, IdentityActivation), "transforming the weights");
                }

                return kernel;
            }
            catch
            {
                kernel.Dispose();
                throw;
            }
        }

        public nuint WorkspaceSize(Geometry geometry)
        {
            nuint size = 0;
            Check(Call(geometry, ReuseStrategy, null, null, null, null, null, &size, IdentityActivation), "sizing the workspace");
            return size;
        }

        public void Convolve(Geometry geometry, float* input, void* kernel, float* bias, float* output, void* workspace, long workspaceBytes, int activation)
        {
            var size = (nuint)workspaceBytes;
            Check(Call(geometry, ReuseStrategy, input, kernel, bias, output, workspace, &size, activation), "convolving");
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

    private static (Functions?, string?) Load()
    {
        const int unsupportedHardware = 51;
        TorchRuntime.EnsureInitialized();
        if (MappedLibraries.Open(TorchRuntime.LibTorchCpu) is not { } library
            || !System.Runtime.InteropServices.NativeLibrary.TryGetExport(library, "nnp_initialize", out var initialize)
            || !System.Runtime.InteropServices.NativeLibrary.TryGetExport(library, "nnp_convolution_inference", out var inference))
        {
            return (null, "libtorch's CPU library exports no NNPACK here");
        }

        var status = ((delegate* unmanaged[Cdecl]<int>)initialize)();
        if (status != Success)
        {
            return (null, status == unsupportedHardware ? RefusedCpu : $"nnp_initialize failed with status {status}");
        }

        var functions = new Functions((delegate* unmanaged[Cdecl]<int, int, nuint, nuint, Size, Padding, Size, Size, float*, void*, float*, float*, void*, nuint*, int, void*, nint, void*, int>)inference);
        return AgreesWithDirectConvolution(functions) ? (functions, null) : (null, "NNPACK's convolution disagreed with a direct one");
    }

    /// <summary>
    /// Convolves a small fixed image with fixed weights through NNPACK and directly, ReLU included, and compares: a
    /// kernel that computes something else under the expected arguments (another NNPACK build) is not used.
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
            using var workspace = new AlignedBuffer(layer.WorkspaceBytes);
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
