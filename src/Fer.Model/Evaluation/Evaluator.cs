using PersonalFer.Data;
using static TorchSharp.torch;

namespace PersonalFer.Model;

/// <summary>Measures a model, or a person's head on it, on labelled faces.</summary>
public static class Evaluator
{
    /// <summary>Evaluates <paramref name="model"/> on <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException">The data set is empty.</exception>
    /// <param name="model">The model.</param>
    /// <param name="data">Labelled faces.</param>
    /// <param name="head">A personal head to evaluate instead of the general one, or null.</param>
    public static EvaluationResult Evaluate(ExpressionModel model, FaceDataset data, PersonalHead? head = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0)
        {
            throw new ArgumentException("Cannot evaluate on an empty data set.", nameof(data));
        }

        var predicted = new Expression[data.Count];
        using var noGrad = no_grad();
        FaceBatches.ForEach(data.Pixels, data.Count, (unit, start, count) =>
        {
            var labels = model.Logits(FaceTensors.Normalize(unit, model.Manifest), head).argmax(1).data<long>().ToArray();
            for (var i = 0; i < count; i++)
            {
                predicted[start + i] = (Expression)labels[i];
            }
        });

        return EvaluationResult.FromPredictions(data.Labels, predicted);
    }
}
