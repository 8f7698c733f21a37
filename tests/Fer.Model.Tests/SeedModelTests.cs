namespace PersonalFer.Model.Tests;

/// <summary>The trained seed network kept in the repository (src/Fer.Model/Models/seed.fermodel, docs/MODEL_CARD.md).</summary>
public sealed class SeedModelTests
{
    // The model card's PrivateTest accuracy for the seed network, float32, no flip TTA.
    private const double CardPrivateTestAccuracy = 0.6202;

    private static ExpressionModel LoadSeed() =>
        ExpressionModel.Load(Path.Combine(AppContext.BaseDirectory, "Models", "seed.fermodel"), ModelArchitecture.Seed);

    [Fact]
    public void The_seed_model_is_the_seed_architecture_trained_by_our_own_command()
    {
        using var model = LoadSeed();

        Assert.Equal(2_345_607, model.ParameterCount);
        Assert.StartsWith("Fer.Train train", model.Manifest.Command, StringComparison.Ordinal);
        Assert.Contains("--arch Seed", model.Manifest.Command, StringComparison.Ordinal);
        Assert.Null(model.GeneralReplay); // a test asset: half-precision weights and manifest only (docs/MODEL_CARD.md)
        Assert.Equal(CardPrivateTestAccuracy, model.Manifest.Metrics["PrivateTest.accuracy"], 4);
        Assert.InRange(new FileInfo(Path.Combine(AppContext.BaseDirectory, "Models", "seed.fermodel")).Length, 1, 25_000_000);
    }

    [Fact]
    public void Evaluating_the_seed_model_on_PrivateTest_reproduces_the_model_card_and_meets_62_percent()
    {
        var privateTest = RealFaces.Require().PrivateTest;
        using var model = LoadSeed();
        model.Precision = InferencePrecision.Float32;

        var evaluation = Evaluator.Evaluate(model, privateTest);

        Assert.Equal(3589, evaluation.Count);
        Assert.Equal(model.Manifest.Metrics["PrivateTest.accuracy"], evaluation.Accuracy, 6);
        Assert.Equal(CardPrivateTestAccuracy, evaluation.Accuracy, 4);
        Assert.True(evaluation.Accuracy >= 0.62, $"PrivateTest accuracy {evaluation.Accuracy:P2} is below the issue's 62 %");
    }
}
