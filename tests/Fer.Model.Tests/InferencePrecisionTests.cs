using PersonalFer.Data;
using PersonalFer.Tests;

namespace PersonalFer.Model.Tests;

/// <summary>
/// Inference runs a copy of the network with BatchNorm folded into the convolutions, channels-last, in bfloat16 where
/// the CPU computes it natively: each against the float32 network the trainer uses.
/// </summary>
public sealed class InferencePrecisionTests
{
    [Fact]
    public void Float32_inference_computes_what_the_trained_network_computes()
    {
        var faces = TestFaces.Make(64);
        using var model = ExpressionModel.LoadDefault();
        model.Precision = InferencePrecision.Float32;

        var inferred = model.PredictProbabilities(faces.Pixels, faces.Count);
        var single = model.PredictProbabilities(faces.Pixels[..FaceImage.PixelCount], 1);

        var reference = TrainedNetworkProbabilities(model, faces);

        Assert.True(MaxDifference(reference, inferred) < 1e-4, $"channels-last inference differs by up to {MaxDifference(reference, inferred):G3}");
        Assert.True(MaxDifference(reference[..Expressions.Count], single) < 1e-4, "a single face differs from the same face in a batch");
    }

    [Fact]
    public void The_seed_network_without_batchnorm_runs_the_same_way()
    {
        var faces = TestFaces.Make(16);
        using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 3);
        model.Precision = InferencePrecision.Float32;

        var inferred = model.PredictProbabilities(faces.Pixels, faces.Count);

        var reference = TrainedNetworkProbabilities(model, faces);

        Assert.True(MaxDifference(reference, inferred) < 1e-4, $"inference differs by up to {MaxDifference(reference, inferred):G3}");
    }

    [Fact]
    public void Bfloat16_and_float32_agree_on_a_single_face()
    {
        var faces = TestFaces.Make(16);
        using var model = ExpressionModel.LoadDefault();
        float[] Classify(int face) => model.PredictProbabilities(faces.Pixels.Slice(face * FaceImage.PixelCount, FaceImage.PixelCount), 1);
        model.Precision = InferencePrecision.Float32;
        var exact = Enumerable.Range(0, faces.Count).Select(Classify).ToArray();
        model.Precision = InferencePrecision.BFloat16;
        var reduced = Enumerable.Range(0, faces.Count).Select(Classify).ToArray();

        // One face at a time runs in bfloat16 too (it used to fall back to float32 below 8 faces).
        Assert.Contains(Enumerable.Range(0, faces.Count), i => !exact[i].SequenceEqual(reduced[i]));
        for (var i = 0; i < faces.Count; i++)
        {
            Assert.True(MaxDifference(exact[i], reduced[i]) < 0.05, $"face {i}: probabilities differ by up to {MaxDifference(exact[i], reduced[i]):F3}");
        }
    }

    [Fact]
    public void Bfloat16_and_float32_inference_agree_on_a_batch_of_faces()
    {
        var faces = TestFaces.Make(64);
        using var model = ExpressionModel.LoadDefault();
        model.Precision = InferencePrecision.Float32;
        var exact = model.PredictProbabilities(faces.Pixels, faces.Count);

        model.Precision = InferencePrecision.BFloat16;
        var reduced = model.PredictProbabilities(faces.Pixels, faces.Count);

        Assert.NotEqual(exact, reduced);
        Assert.True(MaxDifference(exact, reduced) < 0.05, $"probabilities differ by up to {MaxDifference(exact, reduced):F3}");
        Assert.True(Enumerable.Range(0, faces.Count).Count(i => PredictedClasses.ArgMax(exact, i) == PredictedClasses.ArgMax(reduced, i)) >= 62, "predicted classes differ on more than 2 of 64 faces");
    }

    [Fact]
    public void Bfloat16_inference_follows_the_weights_after_training()
    {
        var faces = TestFaces.Make(64);
        using var model = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 2);
        model.Precision = InferencePrecision.BFloat16;
        var untrained = model.PredictProbabilities(faces.Pixels, faces.Count);

        new Trainer().Train(model, faces, faces, new TrainingOptions
        {
            Epochs = 12, BatchSize = 32, Optimizer = OptimizerKind.AdamW, LearningRate = 3e-3, WeightDecay = 0,
            LabelSmoothing = 0, Augmentation = AugmentationOptions.None, Seed = 5,
        });
        var reduced = model.PredictProbabilities(faces.Pixels, faces.Count);
        model.Precision = InferencePrecision.Float32;
        var exact = model.PredictProbabilities(faces.Pixels, faces.Count);

        Assert.True(MaxDifference(untrained, exact) > 0.1, "training should have changed the predictions");
        Assert.True(MaxDifference(exact, reduced) < 0.05, $"bfloat16 lags the trained weights by up to {MaxDifference(exact, reduced):F3}");
    }

    /// <summary>What the float32 network the trainer uses computes, in eval mode.</summary>
    private static float[] TrainedNetworkProbabilities(ExpressionModel model, FaceDataset faces)
    {
        using var noGrad = TorchSharp.torch.no_grad();
        using var scope = TorchSharp.torch.NewDisposeScope();
        var input = FaceTensors.Normalize(FaceTensors.Unit(faces.Pixels, faces.Count), model.Manifest);
        return TorchSharp.torch.nn.functional.softmax(model.Network.forward(input), 1).data<float>().ToArray();
    }

    private static double MaxDifference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
}
