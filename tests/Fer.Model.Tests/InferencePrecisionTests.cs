using PersonalFer.Data;

namespace PersonalFer.Model.Tests;

/// <summary>bfloat16 inference (the default where the CPU computes it natively) against the float32 network.</summary>
public sealed class InferencePrecisionTests
{
    [Fact]
    public void Bfloat16_and_float32_inference_agree_on_real_faces()
    {
        var faces = RealFaces.First(Fer2013Split.PrivateTest, 64);
        using var model = ExpressionModel.LoadDefault();
        model.Precision = InferencePrecision.Float32;
        var exact = model.PredictProbabilities(faces.Pixels, faces.Count);

        model.Precision = InferencePrecision.BFloat16;
        var reduced = model.PredictProbabilities(faces.Pixels, faces.Count);

        Assert.NotEqual(exact, reduced);
        Assert.True(MaxDifference(exact, reduced) < 0.05, $"probabilities differ by up to {MaxDifference(exact, reduced):F3}");
        Assert.True(Enumerable.Range(0, faces.Count).Count(i => ArgMax(exact, i) == ArgMax(reduced, i)) >= 62, "predicted classes differ on more than 2 of 64 faces");
    }

    [Fact]
    public void Bfloat16_inference_follows_the_weights_after_training()
    {
        var faces = RealFaces.First(Fer2013Split.Training, 64);
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

    private static double MaxDifference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();

    private static int ArgMax(float[] probabilities, int face)
    {
        var row = probabilities.AsSpan(face * Expressions.Count, Expressions.Count);
        return row.IndexOf(row.ToArray().Max());
    }
}
