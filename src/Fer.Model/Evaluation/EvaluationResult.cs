using PersonalFer.Data;

namespace PersonalFer.Model;

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
