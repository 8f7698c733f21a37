using PersonalFer.Data;
using PersonalFer.Tests;

namespace PersonalFer.Model.Tests;

public sealed class EvaluatorTests
{
    [Fact]
    public void Metrics_follow_their_definitions()
    {
        Expression[] truth = [Expression.Happy, Expression.Happy, Expression.Happy, Expression.Sad, Expression.Sad, Expression.Angry];
        Expression[] predicted = [Expression.Happy, Expression.Happy, Expression.Sad, Expression.Sad, Expression.Happy, Expression.Angry];

        var result = EvaluationResult.FromPredictions(truth, predicted);

        Assert.Equal(4 / 6.0, result.Accuracy, 9);
        var happy = result.PerClass[(int)Expression.Happy];
        Assert.Equal(2 / 3.0, happy.Precision, 9);
        Assert.Equal(2 / 3.0, happy.Recall, 9);
        Assert.Equal(3, happy.Support);
        var sad = result.PerClass[(int)Expression.Sad];
        Assert.Equal(0.5, sad.Precision, 9);
        Assert.Equal(0.5, sad.Recall, 9);
        Assert.Equal(0.5, sad.F1, 9);
        Assert.Equal(0, result.PerClass[(int)Expression.Fear].F1);
        Assert.Equal(1, result.Confusion[(int)Expression.Happy][(int)Expression.Sad]);
        Assert.Equal(truth.Length, result.Confusion.Sum(row => row.Sum()));
    }

    [Fact]
    public void Evaluation_matches_the_models_own_predictions()
    {
        var data = TestFaces.Make(300);
        using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 8);

        var result = Evaluator.Evaluate(model, data);
        var probabilities = model.PredictProbabilities(data.Pixels, data.Count);
        var expected = Enumerable.Range(0, data.Count).Count(i => PredictedClasses.ArgMax(probabilities, i) == (int)data.Labels[i]);
        Assert.Equal(expected / (double)data.Count, result.Accuracy, 9);
        Assert.Equal(300, result.Count);
        Assert.Equal(300, result.Confusion.Sum(row => row.Sum()));
    }

    [Fact]
    public void Empty_data_is_rejected()
    {
        using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 1);
        Assert.Throws<ArgumentException>(() => Evaluator.Evaluate(model, FaceDataset.Empty));
    }
}
