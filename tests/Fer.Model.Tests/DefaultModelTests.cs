using PersonalFer.Data;

namespace PersonalFer.Model.Tests;

/// <summary>The general model shipped inside Fer.Model (docs/MODEL_CARD.md).</summary>
public sealed class DefaultModelTests
{
    // The model card's PrivateTest accuracy, single model without flip TTA.
    private const double CardPrivateTestAccuracy = 0.7021;

    [Fact]
    public void The_shipped_model_loads_from_the_package_with_its_replay_features_and_provenance()
    {
        using var model = ExpressionModel.LoadDefault();

        Assert.Equal(ModelArchitecture.VggBn, model.Architecture);
        Assert.Equal(2000, model.GeneralReplay?.Count);
        Assert.Equal(model.Fingerprint(), model.GeneralReplay!.ModelFingerprint);
        Assert.All(Enum.GetValues<Expression>(), e => Assert.Contains(e, model.GeneralReplay.LabelList));
        Assert.StartsWith("Fer.Research train", model.Manifest.Command, StringComparison.Ordinal);
        Assert.Contains("&& Fer.Research recalibrate", model.Manifest.Command, StringComparison.Ordinal);
        Assert.Equal(CardPrivateTestAccuracy, model.Manifest.Metrics["PrivateTest.accuracy"], 4);
        using var resource = typeof(ExpressionModel).Assembly.GetManifestResourceStream("PersonalFer.Model.default.fermodel")!;
        Assert.InRange(resource.Length, 1, 25_000_000);
    }

    [Fact]
    public void Evaluating_the_shipped_model_on_PrivateTest_reproduces_the_model_card()
    {
        var privateTest = RealFaces.Require().PrivateTest;
        using var model = ExpressionModel.LoadDefault();
        model.Precision = InferencePrecision.Float32;

        var evaluation = Evaluator.Evaluate(model, privateTest);

        Assert.Equal(3589, evaluation.Count);
        Assert.Equal(model.Manifest.Metrics["PrivateTest.accuracy"], evaluation.Accuracy, 6);
        Assert.Equal(CardPrivateTestAccuracy, evaluation.Accuracy, 4);
    }

    [Fact]
    public void Bfloat16_inference_keeps_the_shipped_models_accuracy()
    {
        var privateTest = RealFaces.Require().PrivateTest;
        using var model = ExpressionModel.LoadDefault();
        model.Precision = InferencePrecision.BFloat16;

        var evaluation = Evaluator.Evaluate(model, privateTest);

        // The card: 70.21 % in bfloat16 and in float32.
        Assert.InRange(evaluation.Accuracy, CardPrivateTestAccuracy - 0.005, CardPrivateTestAccuracy + 0.005);
    }
}
