using System.Collections.Concurrent;
using PersonalFer.Data;
using PersonalFer.Model.Native;
using PersonalFer.Model.Networks;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonalFer.Model;

/// <summary>
/// The network as inference runs it, built from the trained one: every BatchNorm folded into the convolution before
/// it (a whole pass over each activation disappears), in two paths.
/// <list type="bullet">
/// <item>The batch path, for bfloat16 calls: every convolution by oneDNN, weights channels-last (what its
/// convolutions are fastest on) and in the inference precision, except a convolution of one input channel (the
/// first), which stays float32: with nine products per output oneDNN's bfloat16 kernel gains nothing there and
/// runs about 4× slower than the float32 one.</item>
/// <item>The NNPACK path, for float32 calls where NNPACK is available (else they take the batch path): the
/// convolutions whose output is at least <see cref="WinogradMinimumSide"/> pixels on a side by NNPACK's single-image
/// Winograd kernel, one face at a time on one thread, the rest by the batch path's oneDNN convolutions. It cut the
/// float32 network's time per face by 25–44 % (docs/BENCHMARKS.md). A call over several threads runs it on each of
/// them, a few faces at a time.</item>
/// </list>
/// The head stays float32. Read-only once built, so any number of threads may run it at once; each call borrows
/// its own NNPACK scratch memory.
/// </summary>
internal sealed class InferenceNetwork : IDisposable
{
    /// <summary>
    /// Below this output side NNPACK's Winograd kernel loses: a 6×6 map is a single 8×8 tile, so the transformed
    /// weights (about 7× a 3×3 kernel's) are streamed from memory for few outputs; oneDNN's direct kernel wins there.
    /// </summary>
    internal const int WinogradMinimumSide = 12;

    // Faces a thread takes at a time when a call runs the NNPACK path on several threads: small enough that the
    // threads finish together, large enough that each part's libtorch calls are few.
    private const int FacesPerPart = 4;

    // Owns the head and the stateless layers (pooling, flatten, dropout) the steps run.
    private readonly FerNetwork _copy;
    private readonly List<InferenceStep> _batchSteps = [];
    private readonly List<InferenceStep>? _winogradSteps;
    private readonly ConcurrentBag<AlignedBuffer> _workspaces = [];
    private readonly long _workspaceBytes;
    private int _workspacesCreated;

    public InferenceNetwork(FerNetwork trained, ModelArchitecture architecture, InferencePrecision precision)
    {
        var dtype = precision == InferencePrecision.BFloat16 ? bfloat16 : float32;
        _copy = NetworkFactory.Create(architecture);
        try
        {
            using (no_grad())
            {
                _copy.load_state_dict(trained.state_dict());
            }

            _copy.eval();
            var layers = Leaves(_copy.Features).ToList();
            var convolutions = new Dictionary<Conv2d, InferenceStep.Convolution>();
            BuildSteps(layers, dtype, winograd: false, _batchSteps, convolutions);
            if (precision == InferencePrecision.Float32 && Nnpack.IsAvailable)
            {
                _winogradSteps = WinogradSteps(layers, convolutions, out _workspaceBytes);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The general head (float32, eval).</summary>
    public nn.Module<Tensor, Tensor> Head => _copy.Head;

    /// <summary>True when float32 calls take the NNPACK path.</summary>
    public bool UsesWinograd => _winogradSteps is not null;

    /// <summary>NNPACK scratch memories created so far: one per thread that ran the NNPACK path while all earlier ones were in use.</summary>
    public int WorkspacesCreated => Volatile.Read(ref _workspacesCreated);

    /// <summary>
    /// Float32 features [N, FeatureSize] of normalized float32 input [N, 1, 48, 48], in the caller's dispose scope;
    /// <paramref name="threads"/> is the call's libtorch thread count.
    /// </summary>
    public Tensor Features(Tensor input, int threads)
    {
        if (_winogradSteps is null)
        {
            return BatchPathFeatures(input);
        }

        return threads == 1 ? WinogradFeatures(input.contiguous()) : FeaturesOnThreads(input.contiguous(), threads);
    }

    /// <summary>
    /// <see cref="Features"/> by the batch path alone, whatever the precision: what calls take where NNPACK is not
    /// available; the NNPACK path is checked against it.
    /// </summary>
    public Tensor BatchPathFeatures(Tensor input) => Run(_batchSteps, input, workspace: null);

    // A call over several threads runs the NNPACK path on each of them, a few faces at a time: per face it is the
    // faster kernel (about 1.3 against 2.8 ms of a core per face, 280 faces on two cores with AVX2, against the batch
    // path's float32 oneDNN convolutions), and threads that take the next faces as they finish wait at no barrier, so a
    // thread that another process delays holds up at most its last faces.
    private Tensor FeaturesOnThreads(Tensor input, int threads)
    {
        var faces = input.shape[0];
        var output = empty([faces, _copy.FeatureSize], float32);
        var parts = (int)((faces + FacesPerPart - 1) / FacesPerPart);
        try
        {
            Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = threads }, part =>
            {
                // Grad mode, dispose scopes and the OpenMP thread count are per thread: each worker sets its own.
                using var noGrad = no_grad();
                using var oneThread = IntraOpThreads.Use(1);
                using var scope = NewDisposeScope();
                var start = part * FacesPerPart;
                var count = Math.Min(FacesPerPart, faces - start);
                output.narrow(0, start, count).copy_(WinogradFeatures(input.narrow(0, start, count)));
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }

        return output;
    }

    private Tensor WinogradFeatures(Tensor input)
    {
        if (!_workspaces.TryTake(out var workspace))
        {
            workspace = new AlignedBuffer(_workspaceBytes);
            Interlocked.Increment(ref _workspacesCreated);
        }

        try
        {
            return Run(_winogradSteps!, input, workspace);
        }
        finally
        {
            _workspaces.Add(workspace);
        }
    }

    private static Tensor Run(List<InferenceStep> steps, Tensor input, AlignedBuffer? workspace)
    {
        var x = input;
        foreach (var step in steps)
        {
            x = step.Forward(x, workspace);
        }

        return x.to(float32);
    }

    /// <summary>
    /// The NNPACK path (sharing the batch path's oneDNN convolutions, float32 in both), or null where it would
    /// run no NNPACK layer or NNPACK refuses one: then every call takes the batch path.
    /// </summary>
    private static List<InferenceStep>? WinogradSteps(List<nn.Module> layers, Dictionary<Conv2d, InferenceStep.Convolution> shared, out long workspaceBytes)
    {
        var steps = new List<InferenceStep>();
        workspaceBytes = 0;
        try
        {
            BuildSteps(layers, float32, winograd: true, steps, shared);
            workspaceBytes = steps.OfType<InferenceStep.WinogradConvolution>().Select(step => step.WorkspaceBytes).DefaultIfEmpty().Max();
        }
        catch (InvalidOperationException)
        {
        }

        if (workspaceBytes > 0)
        {
            return steps;
        }

        DisposeAll(steps.Where(step => step is not InferenceStep.Convolution convolution || !shared.ContainsValue(convolution)));
        return null;
    }

    /// <summary>
    /// The steps for <paramref name="layers"/> (in forward order), reusing oneDNN convolutions from
    /// <paramref name="convolutions"/> and adding those it makes. Input arrives as contiguous [N, C, H, W]; with
    /// <paramref name="winograd"/>, NNPACK takes the leading convolutions it runs well (and the 2×2 poolings between
    /// them) while the map's shape is known, and the map turns channels-last before the first step oneDNN runs.
    /// </summary>
    private static void BuildSteps(
        List<nn.Module> layers, ScalarType dtype, bool winograd, List<InferenceStep> steps, Dictionary<Conv2d, InferenceStep.Convolution> convolutions)
    {
        var (channels, height, width) = (1L, FaceImage.Size, FaceImage.Size);
        var contiguous = true;
        for (var i = 0; i < layers.Count; i++)
        {
            switch (layers[i])
            {
                case Conv2d conv:
                    var norm = i + 1 < layers.Count ? layers[i + 1] as BatchNorm : null;
                    i += norm is null ? 0 : 1;
                    if (contiguous && winograd && InferenceStep.WinogradConvolution.Supports(conv, channels)
                        && Math.Min(height, width) + (2 * conv.padding![0]) - 2 >= WinogradMinimumSide)
                    {
                        var relu = i + 1 < layers.Count && layers[i + 1] is ReLU;
                        i += relu ? 1 : 0;
                        var step = new InferenceStep.WinogradConvolution(conv, norm, height, width, relu);
                        steps.Add(step);
                        (height, width) = step.OutputSize;
                    }
                    else
                    {
                        if (contiguous)
                        {
                            steps.Add(new InferenceStep.ToChannelsLast());
                            contiguous = false;
                        }

                        if (!convolutions.TryGetValue(conv, out var convolution))
                        {
                            convolution = new InferenceStep.Convolution(conv, norm, conv.in_channels == 1 ? float32 : dtype);
                            convolutions.Add(conv, convolution);
                        }

                        steps.Add(convolution);
                    }

                    channels = conv.out_channels;
                    break;
                case ReLU:
                    steps.Add(new InferenceStep.InPlaceRelu());
                    break;
                case BatchNorm:
                    throw new NotSupportedException("A BatchNorm that does not follow a convolution cannot be folded.");
                case MaxPool2d pool when contiguous && IsPairPooling(pool):
                    steps.Add(new InferenceStep.PairMaxPool());
                    (height, width) = (height / 2, width / 2);
                    break;
                default:
                    // Only dropout (an identity in eval mode) keeps the shape NNPACK's next layer would be built for.
                    winograd &= layers[i] is Dropout or SeededDropout;
                    steps.Add(new InferenceStep.Stateless(layers[i] as nn.Module<Tensor, Tensor>
                        ?? throw new NotSupportedException($"Layer {layers[i].GetName()} is not a tensor-to-tensor module.")));
                    break;
            }
        }
    }

    private static bool IsPairPooling(MaxPool2d pool) =>
        (pool.kernel_size is [2, 2] or [2]) && (pool.stride is null or [2, 2] or [2]) && (pool.padding is null or [0, 0] or [0])
        && (pool.dilation is null or [1, 1] or [1]) && !pool.ceil_mode;

    /// <summary>The layers of <paramref name="module"/> in the order its forward runs them (containers are sequential).</summary>
    private static IEnumerable<nn.Module> Leaves(nn.Module module)
    {
        var children = module.children().ToList();
        return children.Count == 0 ? [module] : children.SelectMany(Leaves);
    }

    private static void DisposeAll(IEnumerable<InferenceStep> steps)
    {
        foreach (var step in steps)
        {
            step.Dispose();
        }
    }

    public void Dispose()
    {
        // The two paths share their oneDNN convolutions.
        DisposeAll(_batchSteps.Concat(_winogradSteps ?? []).Distinct());

        while (_workspaces.TryTake(out var workspace))
        {
            workspace.Dispose();
        }

        _copy.Dispose();
    }
}
