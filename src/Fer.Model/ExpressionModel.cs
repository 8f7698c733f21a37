using PersonalFer.Data;
using PersonalFer.Model.Networks;
using static TorchSharp.torch;

namespace PersonalFer.Model;

/// <summary>
/// An expression CNN on the CPU. Faces go in as 48×48 grayscale bytes (row-major, one face after another) and
/// probabilities come out as arrays, so no tensor crosses the API. Not thread-safe: use one instance per thread
/// or guard it.
/// </summary>
public sealed class ExpressionModel : IDisposable
{
    private readonly FerNetwork _network;

    private ExpressionModel(ModelArchitecture architecture, FerNetwork network)
    {
        Architecture = architecture;
        _network = network;
        _network.eval();
    }

    /// <summary>Which network this is.</summary>
    public ModelArchitecture Architecture { get; }

    /// <summary>Number of trainable and frozen parameters.</summary>
    public long ParameterCount => _network.parameters().Sum(p => p.numel());

    /// <summary>Creates a network with freshly initialized (untrained) weights, reproducible from <paramref name="seed"/>.</summary>
    public static ExpressionModel Create(ModelArchitecture architecture, int seed)
    {
        TorchRuntime.EnsureInitialized();
        FerNetwork network = architecture switch
        {
            ModelArchitecture.Seed => new SeedCnn(),
            _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture, "unknown architecture"),
        };
        WeightInitializer.Initialize(network, seed);
        return new ExpressionModel(architecture, network);
    }

    /// <summary>
    /// Class probabilities for <paramref name="faceCount"/> faces: the result holds 7 values per face, in
    /// <see cref="Expression"/> order.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="faces"/> does not hold exactly <paramref name="faceCount"/> × 2304 bytes.</exception>
    public float[] PredictProbabilities(ReadOnlySpan<byte> faces, int faceCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(faceCount);
        if (faces.Length != faceCount * FaceImage.PixelCount)
        {
            throw new ArgumentException($"Expected {faceCount} × {FaceImage.PixelCount} bytes, got {faces.Length}.", nameof(faces));
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = tensor(faces.ToArray(), [faceCount, 1, FaceImage.Size, FaceImage.Size]).to(float32).div_(255f);
        return nn.functional.softmax(_network.forward(input), 1).data<float>().ToArray();
    }

    /// <inheritdoc />
    public void Dispose() => _network.Dispose();
}
