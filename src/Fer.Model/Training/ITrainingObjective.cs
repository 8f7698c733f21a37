using static TorchSharp.torch;

namespace PersonalFer.Model;

/// <summary>
/// The loss of one training step, for objectives beyond the trainer's cross-entropy (mixup, distillation in
/// tools/Fer.Research). Called inside the step's dispose scope with the step's augmented faces.
/// </summary>
internal interface ITrainingObjective
{
    /// <summary>The logits the accuracy is counted on and the loss to minimize.</summary>
    /// <param name="unitFaces">Augmented faces in [0, 1], [N, 1, 48, 48].</param>
    /// <param name="labels">Their classes, [N].</param>
    /// <param name="rows">The faces' rows in the training set, in batch order.</param>
    /// <param name="epoch">The 1-based epoch, for objectives that draw random numbers reproducibly.</param>
    /// <param name="classify">The network's logits for unit-range faces (normalizes them; with gradient).</param>
    /// <param name="crossEntropy">The trainer's cross-entropy of logits against labels.</param>
    (Tensor Logits, Tensor Loss) Step(Tensor unitFaces, Tensor labels, ReadOnlyMemory<int> rows, int epoch, Func<Tensor, Tensor> classify, Func<Tensor, Tensor, Tensor> crossEntropy);
}
