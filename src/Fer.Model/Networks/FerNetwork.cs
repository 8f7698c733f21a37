using static TorchSharp.torch;

namespace PersonalFer.Model.Networks;

/// <summary>
/// A 48×48×1 → 7 expression network split into a convolutional <see cref="Features"/> extractor and a fully
/// connected <see cref="Head"/>, so personalization can freeze one and retrain (or swap) the other.
/// Internal: tensors never cross the public API.
/// </summary>
internal abstract class FerNetwork : nn.Module<Tensor, Tensor>
{
    protected FerNetwork(string name) : base(name)
    {
    }

    /// <summary>Maps a batch [N, 1, 48, 48] to flat features [N, <see cref="FeatureSize"/>].</summary>
    public abstract nn.Module<Tensor, Tensor> Features { get; }

    /// <summary>Maps features [N, <see cref="FeatureSize"/>] to logits [N, 7].</summary>
    public abstract nn.Module<Tensor, Tensor> Head { get; }

    /// <summary>A new, untrained head of this architecture (a personal head starts as a copy of the general one).</summary>
    public abstract nn.Module<Tensor, Tensor> NewHead();

    /// <summary>Length of the feature vector the head consumes.</summary>
    public abstract int FeatureSize { get; }

    public override Tensor forward(Tensor input)
    {
        using var features = Features.forward(input);
        return Head.forward(features);
    }
}
