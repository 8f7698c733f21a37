using PersonalFer.Data;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonalFer.Model.Networks;

/// <summary>
/// The seed project's network (the Emotion-detection architecture it reuses), layer for layer:
/// Conv32 3×3 → Conv64 3×3 → MaxPool 2 → Dropout .25 → Conv128 3×3 → MaxPool 2 → Conv128 3×3 → MaxPool 2 →
/// Dropout .25 → FC 1024 → Dropout .5 → FC 7; ReLU after every convolution and the hidden FC; valid padding.
/// 2,345,607 parameters.
/// </summary>
internal sealed class SeedCnn : FerNetwork
{
    private const int FeatureLength = 128 * 4 * 4;
    private readonly Sequential _features;
    private readonly Sequential _head;

    public SeedCnn() : base(nameof(SeedCnn))
    {
        _features = nn.Sequential(
            ("conv1", nn.Conv2d(1, 32, 3)),
            ("relu1", nn.ReLU()),
            ("conv2", nn.Conv2d(32, 64, 3)),
            ("relu2", nn.ReLU()),
            ("pool2", nn.MaxPool2d(2)),
            ("drop2", new SeededDropout(0.25)),
            ("conv3", nn.Conv2d(64, 128, 3)),
            ("relu3", nn.ReLU()),
            ("pool3", nn.MaxPool2d(2)),
            ("conv4", nn.Conv2d(128, 128, 3)),
            ("relu4", nn.ReLU()),
            ("pool4", nn.MaxPool2d(2)),
            ("drop4", new SeededDropout(0.25)),
            ("flatten", nn.Flatten()));
        _head = BuildHead();
        RegisterComponents();
    }

    public override nn.Module<Tensor, Tensor> Features => _features;

    public override nn.Module<Tensor, Tensor> Head => _head;

    public override int FeatureSize => FeatureLength;

    public override nn.Module<Tensor, Tensor> NewHead() => BuildHead();

    private static Sequential BuildHead() => nn.Sequential(
        ("fc1", nn.Linear(FeatureLength, 1024)),
        ("relu", nn.ReLU()),
        ("drop", new SeededDropout(0.5)),
        ("fc2", nn.Linear(1024, Expressions.Count)));
}
