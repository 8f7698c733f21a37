using PersonalFer.Data;
using PersonalFer.Model;
using PersonalFer.Model.Tests;
using PersonalFer.Tests;

namespace PersonalFer.Research.Tests;

public sealed class EnsembleEvaluatorTests
{
    [Fact]
    public void An_ensemble_predicts_the_class_with_the_highest_mean_probability_of_its_models()
    {
        var data = TestFaces.Make(300);
        // Two trained models that disagree (an untrained one is near uniform and would not change the vote): the
        // shipped model, and the same weights with BatchNorm statistics recomputed on other faces.
        using var vggBn = ExpressionModel.LoadDefault();
        using var recalibrated = BatchNormRecalibration.Recalibrate(vggBn, TestFaces.Make(200, seed: 9));

        var result = EnsembleEvaluator.Evaluate([recalibrated, vggBn], data);

        var first = recalibrated.PredictProbabilities(data.Pixels, data.Count);
        var second = vggBn.PredictProbabilities(data.Pixels, data.Count);
        var mean = first.Zip(second, (a, b) => (a + b) / 2).ToArray();
        var expected = EvaluationResult.FromPredictions(data.Labels, Enumerable.Range(0, data.Count).Select(i => (Expression)PredictedClasses.ArgMax(mean, i)).ToArray());
        Assert.Equal(expected.Confusion, result.Confusion);
        Assert.NotEqual(Evaluator.Evaluate(vggBn, data).Confusion, result.Confusion);
        Assert.NotEqual(Evaluator.Evaluate(recalibrated, data).Confusion, result.Confusion);
        Assert.Equal(Evaluator.Evaluate(recalibrated, data).Confusion, EnsembleEvaluator.Evaluate([recalibrated], data).Confusion);
    }

    [Fact]
    public void Flip_test_time_augmentation_predicts_the_class_with_the_highest_mean_probability_over_each_face_and_its_mirror_image()
    {
        var data = TestFaces.Make(300);
        using var model = ExpressionModel.LoadDefault();
        var mirroredPixels = data.Pixels.ToArray();
        for (var row = 0; row < data.Count * FaceImage.Size; row++)
        {
            mirroredPixels.AsSpan(row * FaceImage.Size, FaceImage.Size).Reverse();
        }

        var result = EnsembleEvaluator.Evaluate([model], data, flipTestTimeAugmentation: true);

        var asSeen = model.PredictProbabilities(data.Pixels, data.Count);
        var mirrored = model.PredictProbabilities(mirroredPixels, data.Count);
        var mean = asSeen.Zip(mirrored, (a, b) => (a + b) / 2).ToArray();
        var expected = EvaluationResult.FromPredictions(data.Labels, Enumerable.Range(0, data.Count).Select(i => (Expression)PredictedClasses.ArgMax(mean, i)).ToArray());
        Assert.Equal(expected.Confusion, result.Confusion);
        Assert.Equal(300, result.Count);
        // The mirror image changes some predictions, so the option is not a no-op.
        Assert.NotEqual(Evaluator.Evaluate(model, data).Confusion, result.Confusion);
    }

    [Fact]
    public void Empty_data_and_empty_ensembles_are_rejected()
    {
        using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 1);
        var faces = new FaceDataset(new byte[FaceImage.PixelCount], [Expression.Happy]);
        Assert.Throws<ArgumentException>(() => EnsembleEvaluator.Evaluate([model], FaceDataset.Empty));
        Assert.Throws<ArgumentException>(() => EnsembleEvaluator.Evaluate([], faces));
        Assert.Throws<ArgumentNullException>(() => EnsembleEvaluator.Evaluate([model], null!));
    }
}
