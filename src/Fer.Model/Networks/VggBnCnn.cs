using PersonalFer.Data;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonalFer.Model.Networks;

/// <summary>
/// PersonalFer's VGG-style networks: four blocks (two 3×3 convolutions with BatchNorm and ReLU, then 2×2 max
/// pooling) take 48×48 to C×3×3 features; the head is Dropout .4 → FC 256 → ReLU → Dropout .4 → FC 7. BatchNorm
/// makes them far easier to train than the seed CNN. <see cref="Full"/> has 32, 64, 128 and 256 channels
/// (1,764,519 parameters); <see cref="Compact"/> halves the first two blocks, where a convolution costs as much as
/// in the last two but holds far fewer weights, and keeps three quarters of the last two.
/// </summary>
internal sealed class VggBnCnn : FerNetwork
{
    /// <summary>Channels of the four blocks of <see cref="ModelArchitecture.VggBn"/>.</summary>
    public static readonly IReadOnlyList<int> Full = [32, 64, 128, 256];

    /// <summary>Channels of the four blocks of <see cref="ModelArchitecture.VggBnCompact"/>.</summary>
    public static readonly IReadOnlyList<int> Compact = [16, 32, 96, 192];

    /// <summary>The 48-pixel face after four 2×2 poolings.</summary>
    private const int FeatureMapSide = FaceImage.Size / 16;

    private readonly Sequential _features;
    private readonly Sequential _head;
    private readonly int _lastBlockChannels;

    public VggBnCnn(IReadOnlyList<int> channels) : base(nameof(VggBnCnn))
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(channels.Count, 4, nameof(channels));
        _lastBlockChannels = channels[3];
        _features = nn.Sequential(
            ("block1", Block(1, channels[0])),
            ("block2", Block(channels[0], channels[1])),
            ("block3", Block(channels[1], channels[2])),
            ("block4", Block(channels[2], channels[3])),
            ("flatten", nn.Flatten()));
        _head = BuildHead();
        RegisterComponents();
    }

    public override nn.Module<Tensor, Tensor> Features => _features;

    public override nn.Module<Tensor, Tensor> Head => _head;

    public override int FeatureSize => _lastBlockChannels * FeatureMapSide * FeatureMapSide;

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
