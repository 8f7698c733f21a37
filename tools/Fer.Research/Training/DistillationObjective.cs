using PersonalFer.Data;
using PersonalFer.Model;
using static TorchSharp.torch;

namespace PersonalFer.Research;

/// <summary>
/// The research training objective: optional mixup of each batch with itself, and optional knowledge distillation
/// from teacher models, whose mean prediction (softened by a temperature) the network also learns. With both,
/// the teachers predict the blended faces ("function matching"). With paired faces, the teachers predict the paired
/// face of each row (unaugmented) instead of the face being trained on.
/// </summary>
internal sealed class DistillationObjective(ResearchSettings settings, IReadOnlyList<ExpressionModel> teachers, FaceDataset? teacherFaces, int seed) : ITrainingObjective
{
    private int _epoch;
    private Random _mixupRandom = new(0);
    private Generator? _generator;

    public (Tensor Logits, Tensor Loss) Step(Tensor unitFaces, Tensor labels, ReadOnlyMemory<int> rows, int epoch, Func<Tensor, Tensor> classify, Func<Tensor, Tensor, Tensor> crossEntropy)
    {
        if (epoch != _epoch || _generator is null)
        {
            // Reseeded per epoch, so a resumed run draws what an uninterrupted one would.
            _epoch = epoch;
            _mixupRandom = new Random(Trainer.Mix(seed, epoch, 5));
            _generator?.Dispose();
            _generator = new Generator((ulong)Trainer.Mix(seed, epoch, 6));
        }

        var mixed = settings.MixupAlpha > 0 ? Mixup.Blend(unitFaces, settings.MixupAlpha, _mixupRandom, _generator) : null;
        var faces = mixed?.Faces ?? unitFaces;
        var teacherInput = teacherFaces is null ? faces : PairedFaces(teacherFaces, rows.Span);
        var teachersSay = teachers.Count > 0 ? EnsemblePrediction.MeanProbabilities(teachers, teacherInput, settings.DistillationTemperature, settings.TeacherFlipAveraging) : null;
        var logits = classify(faces);
        var loss = crossEntropy(logits, labels);
        if (mixed is not null)
        {
            loss = loss.mul(mixed.Ratio).add(crossEntropy(logits, labels.index_select(0, mixed.Partners)).mul(1 - mixed.Ratio));
        }

        if (teachersSay is not null)
        {
            var temperature = settings.DistillationTemperature;
            var distillation = teachersSay.mul(nn.functional.log_softmax(logits.div(temperature), 1)).sum(1).mean().neg().mul(temperature * temperature);
            loss = loss.mul(1 - settings.DistillationWeight).add(distillation.mul(settings.DistillationWeight));
        }

        return (logits, loss);
    }

    private static Tensor PairedFaces(FaceDataset faces, ReadOnlySpan<int> rows)
    {
        var pixels = new byte[rows.Length * FaceImage.PixelCount];
        for (var i = 0; i < rows.Length; i++)
        {
            faces.Image(rows[i]).CopyTo(pixels.AsSpan(i * FaceImage.PixelCount));
        }

        return FaceTensors.Unit(pixels, rows.Length);
    }
}
