using PersonalFer.Data;

namespace PersonalFer.Model.Tests;

/// <summary>The class a model predicts for each face (the most probable one).</summary>
internal static class PredictedClasses
{
    public static Expression[] Of(ExpressionModel model, FaceDataset faces)
    {
        var probabilities = model.PredictProbabilities(faces.Pixels, faces.Count);
        return Enumerable.Range(0, faces.Count).Select(face => (Expression)ArgMax(probabilities, face)).ToArray();
    }

    /// <summary>The most probable class of one face in a [faces × 7] probability array.</summary>
    public static int ArgMax(float[] probabilities, int face)
    {
        var row = probabilities.AsSpan(face * Expressions.Count, Expressions.Count);
        return row.IndexOf(row.ToArray().Max());
    }
}
