using PersonalFer.Data;
using PersonalFer.Model;

namespace PersonalFer.Research;

/// <summary>
/// Measures the ensemble that predicts the class with the highest mean probability over several models, optionally
/// also averaging each face with its mirror image (flip test-time augmentation).
/// </summary>
internal static class EnsembleEvaluator
{
    public static EvaluationResult Evaluate(IReadOnlyList<ExpressionModel> models, FaceDataset data, bool flipTestTimeAugmentation = false, PersonalHead? head = null)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(data);
        if (models.Count == 0)
        {
            throw new ArgumentException("An ensemble needs at least one model.", nameof(models));
        }

        if (data.Count == 0)
        {
            throw new ArgumentException("Cannot evaluate on an empty data set.", nameof(data));
        }

        var predicted = new Expression[data.Count];
        FaceBatches.ForEach(data.Pixels, data.Count, (unit, start, count) =>
        {
            var labels = EnsemblePrediction.MeanProbabilities(models, unit, flipAveraging: flipTestTimeAugmentation, head: head).argmax(1).data<long>().ToArray();
            for (var i = 0; i < count; i++)
            {
                predicted[start + i] = (Expression)labels[i];
            }
        });

        return EvaluationResult.FromPredictions(data.Labels, predicted);
    }
}
