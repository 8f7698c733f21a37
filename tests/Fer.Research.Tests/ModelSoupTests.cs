using PersonalFer.Data;
using PersonalFer.Model;
using PersonalFer.Tests;
using TorchSharp;

namespace PersonalFer.Research.Tests;

public sealed class ModelSoupTests
{
    private static readonly TrainingOptions FineTuning = new()
    {
        Epochs = 1,
        BatchSize = 32,
        LearningRate = 0.01,
        Schedule = LearningRateSchedule.Constant,
        Augmentation = new AugmentationOptions(),
    };

    /// <summary>The shipped model fine-tuned for one epoch on <see cref="TestFaces"/>: ingredients from one starting point.</summary>
    private static ExpressionModel FineTuned(int seed)
    {
        var model = ExpressionModel.LoadDefault();
        model.Precision = InferencePrecision.Float32;
        var faces = TestFaces.Make(128);
        new Trainer().Train(model, faces, TestFaces.Make(32, seed: 1), FineTuning with { Seed = seed });
        return model;
    }

    [Fact]
    public void A_soup_holds_the_mean_of_its_ingredients_weights_and_its_own_BatchNorm_statistics()
    {
        using var a = FineTuned(seed: 1);
        using var b = FineTuned(seed: 2);
        var training = TestFaces.Make(256);

        using var soup = ModelSoup.Average([a, b], training);

        var (weightsA, weightsB, soupWeights) = (a.Weights(), b.Weights(), soup.Weights());
        var parameterNames = soup.Network.named_parameters().Select(p => p.name.TrimStart('_')).ToList();
        Assert.NotEmpty(parameterNames);
        foreach (var name in parameterNames)
        {
            var mean = weightsA[name].Values.Zip(weightsB[name].Values, (x, y) => (x + y) / 2).ToArray();
            Assert.Equal(mean, soupWeights[name].Values, (x, y) => Math.Abs(x - y) <= 1e-6f * (1 + Math.Abs(x)));
        }

        // Recomputed, not averaged: the soup's statistics are the equal-weight mean over its own pass.
        WeightAveraging.RecomputeBatchNormStatistics(soup.Network, soup.Manifest, training);

        var recomputed = soup.Weights();
        foreach (var name in soupWeights.Keys.Where(n => n.EndsWith(".running_mean", StringComparison.Ordinal)))
        {
            Assert.Equal(recomputed[name].Values, soupWeights[name].Values);
            var averagedStatistics = weightsA[name].Values.Zip(weightsB[name].Values, (x, y) => (x + y) / 2);
            Assert.NotEqual(averagedStatistics, soupWeights[name].Values);
        }

        Assert.Equal(a.Precision, soup.Precision);
        Assert.Contains("model soup of 2", soup.Manifest.Command);
    }

    [Fact]
    public void A_soup_of_one_is_that_model_unchanged()
    {
        using var model = FineTuned(seed: 4);
        var faces = TestFaces.Make(64, seed: 1);

        using var soup = ModelSoup.Average([model], TestFaces.Make(64));

        Assert.Equal(model.PredictProbabilities(faces.Pixels, faces.Count), soup.PredictProbabilities(faces.Pixels, faces.Count));
        Assert.Equal(model.Fingerprint(), soup.Fingerprint());
        Assert.Equal(model.Manifest.Command, soup.Manifest.Command);
    }

    [Fact]
    public void The_greedy_soup_keeps_only_ingredients_that_help_and_is_never_worse_than_the_best_one()
    {
        var training = TestFaces.Make(256);
        var validation = TestFaces.Make(256, seed: 1);
        using var a = FineTuned(seed: 5);
        using var b = FineTuned(seed: 6);
        // Untrained weights from another start: averaging them in can only wreck the soup.
        using var untrained = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 7);
        untrained.Precision = InferencePrecision.Float32;
        var liveBefore = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        var result = ModelSoup.Greedy([untrained, a, b], training, validation);
        using (result.Model)
        {
            var accuracies = new[] { untrained, a, b }.Select(m => Evaluator.Evaluate(m, validation).Accuracy).ToArray();
            Assert.Equal(accuracies, result.IngredientAccuracies);
            Assert.Equal(3, result.Steps.Count);
            Assert.Equal(Array.IndexOf(accuracies, accuracies.Max()), result.Steps[0].Ingredient);
            Assert.DoesNotContain(0, result.Kept);
            Assert.True(result.ValidationAccuracy >= accuracies.Max());
            Assert.Equal(result.ValidationAccuracy, Evaluator.Evaluate(result.Model, validation).Accuracy, 9);
            Assert.All(result.Steps.Skip(1), step => Assert.Equal(step.Kept, result.Kept.Contains(step.Ingredient)));
        }

        Assert.Equal(liveBefore, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Ingredients_of_different_networks_or_none_are_rejected()
    {
        using var vggBn = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 1);
        using var seedCnn = ExpressionModel.Create(ModelArchitecture.Seed, seed: 1);
        var faces = new FaceDataset(new byte[FaceImage.PixelCount], [Expression.Happy]);

        var mismatch = Assert.Throws<ArgumentException>(() => ModelSoup.Average([vggBn, seedCnn], faces));
        Assert.Contains("Ingredient 1 is a Seed network", mismatch.Message);
        Assert.Throws<ArgumentException>(() => ModelSoup.Average([], faces));
        Assert.Throws<ArgumentException>(() => ModelSoup.Average([vggBn, vggBn], FaceDataset.Empty));
        Assert.Throws<ArgumentException>(() => ModelSoup.Greedy([], faces, faces));
    }
}
