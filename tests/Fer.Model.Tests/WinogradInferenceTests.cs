using CsCheck;
using PersonalFer.Model.Native;
using PersonalFer.Tests;
using static TorchSharp.torch;

namespace PersonalFer.Model.Tests;

/// <summary>
/// Float32 calls run the leading convolutions through NNPACK's Winograd kernel (InferenceNetwork's single-thread
/// path, on each thread of a call): each piece against what libtorch computes, and the whole path against the batch
/// path.
/// </summary>
public sealed class WinogradInferenceTests
{
    [Fact]
    public void Nnpack_is_used_on_a_linux_x64_cpu_with_avx2_and_fma_that_it_supports()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && System.Runtime.Intrinsics.X86.Avx2.IsSupported && System.Runtime.Intrinsics.X86.Fma.IsSupported,
            "NNPACK's kernels need an x86-64 CPU with AVX2 and FMA3.");
        // NNPACK's own refusal of the CPU is a fact of the machine; anything else (a missing function, a kernel that
        // computes something else) is a broken binding.
        Assert.SkipWhen(Nnpack.Unavailable == Nnpack.RefusedCpu, $"{Nnpack.RefusedCpu}; inference uses oneDNN alone.");

        Assert.True(Nnpack.IsAvailable, $"NNPACK is not used: {Nnpack.Unavailable}.");
        using var model = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 1);
        model.Precision = InferencePrecision.Float32;
        Assert.True(model.UsesWinograd);
        model.Precision = InferencePrecision.BFloat16;
        Assert.False(model.UsesWinograd);
    }

    [Fact]
    public void A_convolution_computes_what_libtorch_computes()
    {
        RequireNnpack();
        // Small layers of every shape, and wide ones: NNPACK splits many input channels into blocks by cache size.
        Gen.Select(Gen.Int[1, 40], Gen.Int[1, 40], Gen.Int[3, 30], Gen.Int[3, 30], Gen.Int[0, 2], Gen.Bool, Gen.Int[0, int.MaxValue])
            .Sample((inputs, outputs, height, width, padding, relu, seed) => AssertLayerMatchesLibTorch(inputs, outputs, height, width, padding, relu, seed), iter: 60);
        Gen.Select(Gen.Int[130, 300], Gen.Int[1, 64], Gen.Int[3, 14], Gen.Int[3, 14], Gen.Int[0, 2], Gen.Bool, Gen.Int[0, int.MaxValue])
            .Sample((inputs, outputs, height, width, padding, relu, seed) => AssertLayerMatchesLibTorch(inputs, outputs, height, width, padding, relu, seed), iter: 12);
    }

    [Fact]
    public void A_workspace_smaller_than_the_layer_needs_a_disposed_workspace_and_a_disposed_layer_are_refused()
    {
        RequireNnpack();
        var layer = new Nnpack.Convolution(new float[4 * 2 * 9], new float[4], 2, 12, 12, 1, relu: false);
        using var small = new AlignedBuffer(layer.WorkspaceBytes - 1);
        using var enough = new AlignedBuffer(layer.WorkspaceBytes);
        var disposed = new AlignedBuffer(layer.WorkspaceBytes);
        disposed.Dispose();
        var input = new float[2 * 12 * 12];
        var output = new float[4 * 12 * 12];

        Assert.Throws<ArgumentOutOfRangeException>(() => Run(layer, input, output, small));
        Assert.Throws<ObjectDisposedException>(() => Run(layer, input, output, disposed));
        Run(layer, input, output, enough);
        layer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Run(layer, input, output, enough));
    }

    [Fact]
    public void A_step_refuses_input_of_another_shape_or_type_than_it_was_built_for()
    {
        RequireNnpack();
        using var model = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 1);
        var conv = (TorchSharp.Modules.Conv2d)model.Network.Features.modules().First(m => m is TorchSharp.Modules.Conv2d);
        using var step = new InferenceStep.WinogradConvolution(conv, norm: null, height: 48, width: 48, relu: true);
        using var workspace = new AlignedBuffer(step.WorkspaceBytes);
        using var scope = NewDisposeScope();

        Assert.Equal([2, 32, 48, 48], step.Forward(zeros(2, 1, 48, 48), workspace).shape);
        Assert.Throws<ArgumentException>(() => step.Forward(zeros(2, 1, 24, 48), workspace));
        Assert.Throws<ArgumentException>(() => step.Forward(zeros(2, 1, 48, 48).to(bfloat16), workspace));
        Assert.Throws<ArgumentException>(() => step.Forward(zeros(2, 1, 48, 96)[.., .., .., ..48], workspace));
    }

    [Theory]
    [InlineData(ModelArchitecture.VggBn)]
    [InlineData(ModelArchitecture.VggBnCompact)]
    [InlineData(ModelArchitecture.Seed)] // valid padding: 48 → 46 → 44 → 22 → 20 → 10 → 8, and no BatchNorm
    public void Calls_on_one_thread_and_on_several_compute_what_the_batch_path_computes(ModelArchitecture architecture)
    {
        RequireNnpack();
        // 11 faces: parts of four on two threads, the last part short.
        var faces = TestFaces.Make(11);
        using var model = ExpressionModel.Create(architecture, seed: 4);
        using var network = new InferenceNetwork(model.Network, architecture, InferencePrecision.Float32);
        Assert.True(network.UsesWinograd);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = FaceTensors.Normalize(FaceTensors.Unit(faces.Pixels, faces.Count), model.Manifest);

        var batch = network.BatchPathFeatures(input);
        var oneThread = network.Features(input, threads: 1);
        var twoThreads = network.Features(input, threads: 2);
        var firstFace = network.Features(input[..1], threads: 1);

        Assert.Equal(batch.shape, oneThread.shape);
        var scale = batch.abs().max().item<float>();
        Assert.True(scale > 0, "the features are all zero: the comparison would prove nothing");
        Assert.True((oneThread - batch).abs().max().item<float>() < 1e-4 * scale, $"features differ by {(oneThread - batch).abs().max().item<float>()} (largest {scale})");
        Assert.True((twoThreads - oneThread).abs().max().item<float>() == 0, "the same faces got other features on two threads than on one");
        Assert.True((firstFace - batch[..1]).abs().max().item<float>() < 1e-4 * scale, "a face alone differs from the same face in a call of eleven");
        Assert.True((oneThread[0] - oneThread[1]).abs().max().item<float>() > 1e-3 * scale, "two different faces gave the same features");
    }

    [Fact]
    public void The_shipped_model_gives_every_face_the_probabilities_of_the_batch_path()
    {
        RequireNnpack();
        var faces = TestFaces.Make(200, seed: 9);
        using var model = ExpressionModel.LoadDefault();
        model.Precision = InferencePrecision.Float32;
        var oneByOne = Enumerable.Range(0, faces.Count).Select(i => model.PredictProbabilities(faces.Image(i), 1)).ToArray();
        model.Threading = new InferenceThreading { FacesPerThread = 0, MaxThreads = 2 };
        var together = model.PredictProbabilities(faces.Pixels, faces.Count);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var network = new InferenceNetwork(model.Network, model.Architecture, InferencePrecision.Float32);
        var input = FaceTensors.Normalize(FaceTensors.Unit(faces.Pixels, faces.Count), model.Manifest);
        var batchPath = nn.functional.softmax(network.Head.forward(network.BatchPathFeatures(input)), 1).data<float>().ToArray();

        for (var i = 0; i < faces.Count; i++)
        {
            var expected = batchPath.AsSpan(i * 7, 7).ToArray();
            Assert.True(oneByOne[i].Zip(expected, (a, b) => Math.Abs(a - b)).Max() < 1e-4, $"face {i}: one at a time, the probabilities differ from the batch path's");
            Assert.True(together.AsSpan(i * 7, 7).ToArray().Zip(expected, (a, b) => Math.Abs(a - b)).Max() < 1e-4, $"face {i}: in one call over two threads, the probabilities differ from the batch path's");
        }
    }

    [Fact]
    public void Concurrent_one_thread_calls_each_use_scratch_memory_of_their_own_and_thousands_leave_nothing_behind()
    {
        RequireNnpack();
        var faces = TestFaces.Make(32, seed: 3);
        using var model = ExpressionModel.LoadDefault();
        model.Precision = InferencePrecision.Float32;
        var expected = Enumerable.Range(0, faces.Count).Select(i => model.PredictProbabilities(faces.Image(i), 1)).ToArray();

        var mismatches = 0;
        Parallel.For(0, 4 * 400, new ParallelOptions { MaxDegreeOfParallelism = 4 }, call =>
        {
            var face = call % faces.Count;
            if (!model.PredictProbabilities(faces.Image(face), 1).SequenceEqual(expected[face]))
            {
                Interlocked.Increment(ref mismatches);
            }
        });

        Assert.Equal(0, mismatches);
        Assert.InRange(model.WinogradWorkspaces, 1, 4);
        var live = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 2000; i++)
        {
            model.PredictProbabilities(faces.Image(i % faces.Count), 1);
        }

        Assert.Equal(live, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.InRange(model.WinogradWorkspaces, 1, 4);
    }

    [Theory]
    [InlineData(48, 48)]
    [InlineData(8, 8)]
    [InlineData(7, 9)]
    [InlineData(13, 19)]
    [InlineData(3, 2)]
    public void Pair_pooling_computes_what_max_pool2d_computes(int height, int width)
    {
        using var scope = NewDisposeScope();
        var x = randn([2, 3, height, width], generator: new TorchSharp.torch.Generator(11));
        Assert.Throws<ArgumentException>(() => new InferenceStep.PairMaxPool().Forward(x.transpose(2, 3), workspace: null));

        var pooled = new InferenceStep.PairMaxPool().Forward(x, workspace: null);

        Assert.Equal(nn.functional.max_pool2d(x, 2).data<float>().ToArray(), pooled.contiguous().data<float>().ToArray());
    }

    private static void AssertLayerMatchesLibTorch(int inputs, int outputs, int height, int width, int padding, bool relu, int seed)
    {
        using var scope = NewDisposeScope();
        var generator = new TorchSharp.torch.Generator((ulong)seed);
        var image = randn([1, inputs, height, width], generator: generator);
        var weight = randn([outputs, inputs, 3, 3], generator: generator) / Math.Sqrt(inputs * 9);
        var bias = randn([outputs], generator: generator);
        var expected = nn.functional.conv2d(image, weight, bias, padding: [padding, padding]);
        expected = relu ? expected.relu() : expected;

        using var layer = new Nnpack.Convolution(weight.data<float>().ToArray(), bias.data<float>().ToArray(), inputs, height, width, padding, relu);
        using var workspace = new AlignedBuffer(layer.WorkspaceBytes);
        var output = new float[outputs * layer.OutputSize.Height * layer.OutputSize.Width];
        Run(layer, image.data<float>().ToArray(), output, workspace);

        Assert.Equal(expected.shape, new long[] { 1, outputs, layer.OutputSize.Height, layer.OutputSize.Width });
        var difference = (tensor(output).view(expected.shape) - expected).abs().max().item<float>();
        Assert.True(difference < 1e-4 * Math.Max(1, expected.abs().max().item<float>()),
            $"{inputs}→{outputs} channels, {height}×{width}, padding {padding}, relu {relu}: differs by {difference}");
    }

    private static unsafe void Run(Nnpack.Convolution layer, float[] input, float[] output, AlignedBuffer workspace)
    {
        fixed (float* source = input, target = output)
        {
            layer.Run(source, target, workspace);
        }
    }

    private static void RequireNnpack() =>
        Assert.SkipUnless(Nnpack.IsAvailable, $"NNPACK is not used here: {Nnpack.Unavailable}; inference uses oneDNN alone.");
}
