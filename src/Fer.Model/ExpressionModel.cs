using PersonalFer.Data;
using PersonalFer.Model.Networks;
using static TorchSharp.torch;

namespace PersonalFer.Model;

/// <summary>
/// An expression CNN on the CPU with its manifest. Faces go in as 48×48 grayscale bytes (row-major, one face after
/// another) and probabilities come out as arrays, so no tensor crosses the API. Not thread-safe: use one instance
/// per thread or guard it.
/// </summary>
public sealed class ExpressionModel : IDisposable
{
    private ExpressionModel(ModelManifest manifest, FerNetwork network)
    {
        Manifest = manifest;
        Network = network;
        Network.eval();
    }

    /// <summary>What the model is and where it came from.</summary>
    public ModelManifest Manifest { get; private set; }

    /// <summary>Which network this is.</summary>
    public ModelArchitecture Architecture => Manifest.Architecture;

    /// <summary>Number of parameters (trainable and frozen).</summary>
    public long ParameterCount => Network.parameters().Sum(p => p.numel());

    internal FerNetwork Network { get; }

    /// <summary>Creates a network with freshly initialized (untrained) weights, reproducible from <paramref name="seed"/>.</summary>
    public static ExpressionModel Create(ModelArchitecture architecture, int seed)
    {
        var network = NetworkFactory.Create(architecture);
        WeightInitializer.Initialize(network, seed);
        return new ExpressionModel(ModelManifest.For(architecture), network);
    }

    /// <summary>Loads a <c>.fermodel</c> file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="expected">When given, the file must hold this architecture.</param>
    /// <exception cref="ModelFormatException">The file is missing, corrupt, truncated, of another format version, or mismatched.</exception>
    public static ExpressionModel Load(string path, ModelArchitecture? expected = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var (manifest, network) = ModelFile.Load(path, expected);
        return new ExpressionModel(manifest, network);
    }

    /// <summary>Saves the weights and manifest atomically (a temporary file renamed into place).</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ModelFile.Save(path, Manifest, Network);
    }

    /// <summary>Replaces the manifest's provenance fields (metrics, command, epochs) before saving.</summary>
    public void Describe(Func<ModelManifest, ModelManifest> update)
    {
        ArgumentNullException.ThrowIfNull(update);
        var updated = update(Manifest);
        if (updated.Architecture != Manifest.Architecture || updated.NormalizationMean != Manifest.NormalizationMean
            || updated.NormalizationStd != Manifest.NormalizationStd)
        {
            throw new ArgumentException("Architecture and normalization are fixed by the weights and cannot change.", nameof(update));
        }

        Manifest = updated;
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
        Network.eval();
        var input = FaceTensors.Normalize(FaceTensors.Unit(faces, faceCount), Manifest);
        return nn.functional.softmax(Network.forward(input), 1).data<float>().ToArray();
    }

    /// <inheritdoc />
    public void Dispose() => Network.Dispose();
}
