using PersonalFer.Model;
using static TorchSharp.torch;

namespace PersonalFer.Research;

/// <summary>
/// The mean prediction of several models, optionally also over each face's mirror image: what the evaluator scores
/// for an ensemble or flip test-time augmentation, and what distillation teaches a student.
/// </summary>
internal static class EnsemblePrediction
{
    /// <summary>
    /// The mean class probabilities [N, 7] at <paramref name="temperature"/> of <paramref name="models"/> for unit-range
    /// faces [N, 1, 48, 48]. Each model normalizes its own copy (their manifests may differ, and the caller may still
    /// need the faces); with <paramref name="flipAveraging"/> each face and its mirror image go through as two batches.
    /// </summary>
    /// <param name="models">The ensemble's members (one model for plain or flip-averaged predictions).</param>
    /// <param name="unitFaces">Faces with pixels in [0, 1]; left unchanged.</param>
    /// <param name="temperature">Softmax temperature (distillation softens the targets with T &gt; 1).</param>
    /// <param name="flipAveraging">Also average over each face's mirror image.</param>
    /// <param name="head">A personal head used instead of each model's general head, or null.</param>
    public static Tensor MeanProbabilities(IReadOnlyList<ExpressionModel> models, Tensor unitFaces, double temperature = 1, bool flipAveraging = false, PersonalHead? head = null)
    {
        using var noGrad = no_grad();
        Tensor? sum = null;
        foreach (var model in models)
        {
            var input = FaceTensors.Normalize(unitFaces.clone(), model.Manifest);
            var probabilities = Probabilities(model, input, temperature, head);
            if (flipAveraging)
            {
                probabilities = probabilities.add(Probabilities(model, input.flip(3), temperature, head));
            }

            sum = sum is null ? probabilities : sum.add(probabilities);
        }

        return sum!.div(models.Count * (flipAveraging ? 2 : 1));
    }

    private static Tensor Probabilities(ExpressionModel model, Tensor input, double temperature, PersonalHead? head)
    {
        var logits = model.Logits(input, head);
        return nn.functional.softmax(logits.div(temperature), 1);
    }
}
