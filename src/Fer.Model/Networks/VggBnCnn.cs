using PersonalFer.Data;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonalFer.Model.Networks;

/// <summary>
/// PersonalFer's default network: four VGG blocks (two 3×3 convolutions with BatchNorm and ReLU, then 2×2 max
/// pooling) of 32, 64, 128 and 256 channels take 48×48 to 256×3×3 features; the head is Dropout .4 → FC 256 →
/// ReLU → Dropout .4 → FC 7. 1,764,519 parameters: sized to train and run in real time on a 2-core CPU, with
/// BatchNorm making it far easier to train than the seed CNN.
/// </summary>
internal sealed class VggBnCnn : FerNetwork
{
    private readonly Sequential _features;
    private readonly Sequential _head;

    private const int LastBlockChannels = 256;

    /// <summary>The 48-pixel face after four 2×2 poolings.</summary>
    private const int FeatureMapSide = FaceImage.Size / 16;

    public VggBnCnn() : base(nameof(VggBnCnn))
    {
        _features = nn.Sequential(
            ("block1", Block(1, 32)),
            ("block2", Block(32, 64)),
            ("block3", Block(64, 128)),
            ("block4", Block(128, LastBlockChannels)),
            ("flatten", nn.Flatten()));
        _head = BuildHead();
        RegisterComponents();
    }

    public override nn.Module<Tensor, Tensor> Features => _features;

    public override nn.Module<Tensor, Tensor> Head => _head;

    public override int FeatureSize => LastBlockChannels * FeatureMapSide * FeatureMapSide;

    public override nn.Module<Tensor, Tensor> NewHead() => BuildHead();

    private Sequential BuildHead() => nn.Sequential(
        ("drop1", new SeededDropout(0.4)),
        ("fc1", nn.Linear(FeatureSize, 256)),
        ("relu", nn.ReLU()),
        ("drop2", new SeededDropout(0.4)),
        ("fc2", nn.Linear(256, Expressions.Count)));

    private static Sequential Block(int input, int output) => nn.Sequential(
        ("conv1", nn.Conv2d(input, output, 3, padding: 1, bias: false)),
        ("bn1", nn.BatchNorm2d(output)),
        ("relu1", nn.ReLU()),
        ("conv2", nn.Conv2d(output, output, 3, padding: 1, bias: false)),
        ("bn2", nn.BatchNorm2d(output)),
        ("relu2", nn.ReLU()),
        ("pool", nn.MaxPool2d(2)));
}
