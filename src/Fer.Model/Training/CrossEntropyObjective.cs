using static TorchSharp.torch;

namespace PersonalFer.Model;

/// <summary>The trainer's own objective: the network's logits and the cross-entropy with the labels.</summary>
internal sealed class CrossEntropyObjective : ITrainingObjective
{
    public static readonly CrossEntropyObjective Instance = new();

    public (Tensor Logits, Tensor Loss) Step(Tensor unitFaces, Tensor labels, ReadOnlyMemory<int> rows, int epoch, Func<Tensor, Tensor> classify, Func<Tensor, Tensor, Tensor> crossEntropy)
    {
        var logits = classify(unitFaces);
        return (logits, crossEntropy(logits, labels));
    }
}
