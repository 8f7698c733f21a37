using PersonalFer.Data;
using static TorchSharp.torch;

namespace PersonalFer.Model;

/// <summary>Precision, recall and F1 of one class.</summary>
/// <param name="Expression">The class.</param>
/// <param name="Precision">Of the faces predicted as this class, the share that are.</param>
/// <param name="Recall">Of the faces of this class, the share predicted as it.</param>
/// <param name="F1">Harmonic mean of precision and recall.</param>
/// <param name="Support">Faces of this class in the data.</param>
public sealed record ClassMetrics(Expression Expression, double Precision, double Recall, double F1, int Support);

/// <summary>How a model did on a labelled set.</summary>
/// <param name="Accuracy">Share of faces classified correctly.</param>
/// <param name="PerClass">Per-class metrics in <see cref="Expression"/> order.</param>
/// <param name="Confusion">Confusion[true][predicted] counts, 7 × 7.</param>
/// <param name="Count">Faces evaluated.</param>
public sealed record EvaluationResult(double Accuracy, IReadOnlyList<ClassMetrics> PerClass, int[][] Confusion, int Count)
{
    /// <summary>Builds the metrics from true and predicted labels.</summary>
    public static EvaluationResult FromPredictions(IReadOnlyList<Expression> truth, IReadOnlyList<Expression> predicted)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(predicted);
        if (truth.Count != predicted.Count)
        {
            throw new ArgumentException($"{truth.Count} true labels but {predicted.Count} predictions.", nameof(predicted));
        }

        var confusion = Enumerable.Range(0, Expressions.Count).Select(_ => new int[Expressions.Count]).ToArray();
        for (var i = 0; i < truth.Count; i++)
        {
            confusion[(int)truth[i]][(int)predicted[i]]++;
        }

        var perClass = Expressions.All.Select(e =>
        {
            var c = (int)e;
            var truePositives = confusion[c][c];
            var support = confusion[c].Sum();
            var predictedAs = confusion.Sum(row => row[c]);
            var precision = predictedAs == 0 ? 0 : truePositives / (double)predictedAs;
            var recall = support == 0 ? 0 : truePositives / (double)support;
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            return new ClassMetrics(e, precision, recall, f1, support);
        }).ToArray();
        var correct = Enumerable.Range(0, Expressions.Count).Sum(c => confusion[c][c]);
        return new EvaluationResult(truth.Count == 0 ? 0 : correct / (double)truth.Count, perClass, confusion, truth.Count);
    }
}

/// <summary>
/// Measures a model, or an ensemble of models, on labelled faces, optionally averaging with the mirrored face
/// (flip test-time augmentation).
/// </summary>
public static class Evaluator
{
    private const int BatchSize = 256;

    /// <summary>Evaluates <paramref name="model"/> on <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException">The data set is empty.</exception>
    /// <param name="model">The model.</param>
    /// <param name="data">Labelled faces.</param>
    /// <param name="flipTestTimeAugmentation">Average each face's probabilities with its mirror image's.</param>
    /// <param name="head">A personal head to evaluate instead of the general one, or null.</param>
    public static EvaluationResult Evaluate(ExpressionModel model, FaceDataset data, bool flipTestTimeAugmentation = false, PersonalHead? head = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Evaluate([model], data, flipTestTimeAugmentation, head);
    }

    /// <summary>
    /// Evaluates the ensemble that predicts the class with the highest mean probability over
    /// <paramref name="models"/> (each with its own normalization and precision).
    /// </summary>
    /// <exception cref="ArgumentException">No models, or the data set is empty.</exception>
    /// <param name="models">The ensemble's members.</param>
    /// <param name="data">Labelled faces.</param>
    /// <param name="flipTestTimeAugmentation">Also average each face's probabilities with its mirror image's.</param>
    public static EvaluationResult EvaluateEnsemble(IReadOnlyList<ExpressionModel> models, FaceDataset data, bool flipTestTimeAugmentation = false)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (models.Count == 0)
        {
            throw new ArgumentException("An ensemble needs at least one model.", nameof(models));
        }

        foreach (var model in models)
        {
            ArgumentNullException.ThrowIfNull(model, nameof(models));
        }

        return Evaluate(models, data, flipTestTimeAugmentation, head: null);
    }

    private static EvaluationResult Evaluate(IReadOnlyList<ExpressionModel> models, FaceDataset data, bool flipTestTimeAugmentation, PersonalHead? head)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0)
        {
            throw new ArgumentException("Cannot evaluate on an empty data set.", nameof(data));
        }

        var predicted = new Expression[data.Count];
        foreach (var model in models)
        {
            model.Network.eval();
        }

        using var noGrad = no_grad();
        for (var start = 0; start < data.Count; start += BatchSize)
        {
            using var scope = NewDisposeScope();
            var count = Math.Min(BatchSize, data.Count - start);
            var unit = FaceTensors.Unit(data.Pixels.Slice(start * FaceImage.PixelCount, count * FaceImage.PixelCount), count);
            var probabilities = EnsemblePrediction.MeanProbabilities(models, unit, flipAveraging: flipTestTimeAugmentation, head: head);
            var labels = probabilities.argmax(1).data<long>().ToArray();
            for (var i = 0; i < count; i++)
            {
                predicted[start + i] = (Expression)labels[i];
            }
        }

        return EvaluationResult.FromPredictions(data.Labels, predicted);
    }
}
