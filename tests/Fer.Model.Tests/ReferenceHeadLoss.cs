using PersonalFer.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace PersonalFer.Model.Tests;

/// <summary>
/// The loss a personal head trains on, written with libtorch's operators so autograd can differentiate it: the
/// reference <see cref="HeadBackprop"/>'s hand-computed gradients are checked against. The person's rows score the
/// cross-entropy over the expressions they gave (the others' logits pushed far down), the replayed rows (1 − d) times
/// the cross-entropy of their labels plus d·T² times the cross-entropy of the general head's probabilities at
/// temperature T; the sum is divided by the batch's size.
/// </summary>
internal sealed class ReferenceHeadLoss(ExpressionModel model, FaceFeatures person, FaceFeatures? general, HeadTrainingOptions options)
{
    private readonly int _generalRows = general is { Count: > 0 } ? (int)Math.Round(options.BatchSize * options.GeneralShare) : 0;

    /// <summary>The features of a batch's rows, the person's then the general ones, [batch, length].</summary>
    public Tensor Features(HeadTrainingBatches.Rows rows) =>
        cat([Select(person, rows.Person), .. _generalRows > 0 ? new[] { Select(general!, rows.General) } : []], 0);

    /// <summary>The batch's loss for the head's outputs <paramref name="logits"/>, in the caller's dispose scope.</summary>
    public Tensor Loss(Tensor logits, HeadTrainingBatches.Rows rows)
    {
        // Explicit, disposed Scalars: an implicit one is left to the finalizer, which may free it while libtorch reads it.
        var distillation = options.ReplayDistillation;
        var temperature = options.DistillationTemperature;
        using var labelWeight = (1 - distillation).ToScalar();
        using var distilledWeight = (distillation * temperature * temperature).ToScalar();
        using var softening = temperature.ToScalar();
        using var batchSize = ((double)options.BatchSize).ToScalar();
        var personRows = rows.Person.Length;
        var given = Expressions.All.Select(e => person.Labels.Contains(e)).ToArray();
        var missing = tensor(given.Select(g => g ? 0f : -1e4f).ToArray()).unsqueeze(0);
        var loss = nn.functional.cross_entropy(logits.narrow(0, 0, personRows).add(missing), Labels(person, rows.Person), reduction: nn.Reduction.Sum);
        if (_generalRows > 0)
        {
            var replay = logits.narrow(0, personRows, _generalRows);
            loss = loss.add(nn.functional.cross_entropy(replay, Labels(general!, rows.General), reduction: nn.Reduction.Sum).mul(labelWeight));
            if (distillation > 0)
            {
                var targets = nn.functional.softmax(model.Network.Head.forward(Select(general!, rows.General)).div(softening), 1).detach();
                loss = loss.add(nn.functional.cross_entropy(replay.div(softening), targets, reduction: nn.Reduction.Sum).mul(distilledWeight));
            }
        }

        return loss.div(batchSize);
    }

    private static Tensor Select(FaceFeatures features, long[] indices) =>
        FaceTensors.Matrix(features.Values, features.Count, features.Length).index_select(0, tensor(indices));

    private static Tensor Labels(FaceFeatures features, long[] indices) => tensor(indices.Select(i => (long)features.Labels[i]).ToArray());
}
