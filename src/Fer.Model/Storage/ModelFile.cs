using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using PersonalFer.Data;
using PersonalFer.Model.Networks;

namespace PersonalFer.Model;

/// <summary>
/// The <c>.fermodel</c> format: a zip archive with <c>manifest.json</c> (<see cref="ModelManifest"/>) and either
/// <c>weights.bin</c> (float32, TorchSharp's state-dict format) or, from format version 2, <c>weights-fp16.bin</c>
/// (half precision), optionally <c>replay.bin</c> (general features replayed while personalizing). Written
/// atomically: a temporary file renamed into place.
/// </summary>
internal static class ModelFile
{
    public const string ManifestEntry = "manifest.json";
    public const string WeightsEntry = "weights.bin";
    public const string HalfWeightsEntry = "weights-fp16.bin";
    public const string ReplayEntry = "replay.bin";

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static void Save(string path, ModelManifest manifest, FerNetwork network, FaceFeatures? generalReplay, WeightPrecision weightPrecision)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = File.Create(temporary))
            using (var zip = new ZipArchive(file, ZipArchiveMode.Create))
            {
                using (var entry = zip.CreateEntry(ManifestEntry, CompressionLevel.Optimal).Open())
                {
                    JsonSerializer.Serialize(entry, manifest with { FormatVersion = ModelManifest.CurrentFormatVersion }, Json);
                }

                if (weightPrecision == WeightPrecision.Float16)
                {
                    using var weights = zip.CreateEntry(HalfWeightsEntry, CompressionLevel.Optimal).Open();
                    WriteHalfWeights(weights, NetworkState.Read(network));
                }
                else
                {
                    using var weights = zip.CreateEntry(WeightsEntry, CompressionLevel.NoCompression).Open(); // float32 weights do not deflate
                    using var writer = new BinaryWriter(weights);
                    network.save(writer);
                }

                if (generalReplay is not null)
                {
                    using var replay = zip.CreateEntry(ReplayEntry, CompressionLevel.Optimal).Open();
                    WriteReplay(replay, generalReplay);
                }
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public static ModelManifest ReadManifest(string path)
    {
        using var zip = OpenArchive(path);
        return ReadManifest(zip, path);
    }

    /// <summary>Reads a model file into a new network, checking everything that can be wrong with it.</summary>
    public static LoadedModel Load(string path, ModelArchitecture? expected)
    {
        using var zip = OpenArchive(path);
        return Load(zip, path, expected);
    }

    /// <summary>Reads a model from a stream (e.g. an embedded resource); <paramref name="source"/> names it in errors.</summary>
    public static LoadedModel Load(Stream stream, string source, ModelArchitecture? expected)
    {
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read);
        }
        catch (InvalidDataException e)
        {
            throw new ModelFormatException(source, "not a PersonalFer model file, or corrupt or truncated", e);
        }

        using (zip)
        {
            return Load(zip, source, expected);
        }
    }

    private static LoadedModel Load(ZipArchive zip, string path, ModelArchitecture? expected)
    {
        var manifest = ReadManifest(zip, path);
        if (expected is { } architecture && manifest.Architecture != architecture)
        {
            throw new ModelFormatException(path, $"holds a {manifest.Architecture} network, not the expected {architecture}");
        }

        var network = NetworkFactory.Create(manifest.Architecture);
        try
        {
            if (zip.GetEntry(HalfWeightsEntry) is { } halfEntry)
            {
                NetworkState.Write(network, manifest.Architecture, ReadHalfWeights(halfEntry, path));
            }
            else
            {
                var entry = zip.GetEntry(WeightsEntry) ?? throw new ModelFormatException(path, $"has no {WeightsEntry} or {HalfWeightsEntry}");
                using var weights = new MemoryStream();
                using (var stream = entry.Open())
                {
                    stream.CopyTo(weights);
                }

                weights.Position = 0;
                using var reader = new BinaryReader(weights);
                network.load(reader, strict: true);
            }

            return new LoadedModel(manifest, network, ReadReplay(zip, path, network.FeatureSize));
        }
        catch (Exception e) when (e is not ModelFormatException)
        {
            network.Dispose();
            throw new ModelFormatException(path, $"weights do not fit a {manifest.Architecture} network or are corrupt ({e.Message})", e);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    // Half-precision weights: the tensor count, then per tensor its PyTorch name, rank, dimensions and values as
    // fp16. BatchNorm's batch counts are left out: integers that overflow fp16 and play no part in inference.
    private static void WriteHalfWeights(Stream stream, IReadOnlyDictionary<string, WeightArray> weights)
    {
        using var writer = new BinaryWriter(stream);
        var stored = weights.Where(entry => !NetworkState.IsBatchCount(entry.Key)).ToList();
        writer.Write(stored.Count);
        foreach (var (name, weight) in stored)
        {
            writer.Write(name);
            writer.Write(weight.Shape.Length);
            Array.ForEach(weight.Shape, writer.Write);
            foreach (var value in weight.Values)
            {
                writer.Write((Half)value);
            }
        }
    }

    private static Dictionary<string, WeightArray> ReadHalfWeights(ZipArchiveEntry entry, string path)
    {
        try
        {
            using var reader = new BinaryReader(entry.Open());
            var count = reader.ReadInt32();
            var weights = new Dictionary<string, WeightArray>(count);
            for (var t = 0; t < count; t++)
            {
                var name = reader.ReadString();
                var shape = new long[reader.ReadInt32()];
                for (var d = 0; d < shape.Length; d++)
                {
                    shape[d] = reader.ReadInt64();
                }

                var length = shape.Aggregate(1L, (product, dimension) => product * dimension);
                if (shape.Any(dimension => dimension < 0) || length > entry.Length)
                {
                    throw new ModelFormatException(path, $"{HalfWeightsEntry}: tensor '{name}' has an impossible shape [{string.Join(", ", shape)}]");
                }

                var values = new float[length];
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = (float)reader.ReadHalf();
                }

                weights[name] = new WeightArray(shape, values);
            }

            return weights;
        }
        catch (EndOfStreamException e)
        {
            throw new ModelFormatException(path, $"{HalfWeightsEntry} is truncated", e);
        }
    }

    // Replayed general features: count, feature length, one label byte per face, then the values as fp16 (they
    // are post-ReLU activations; half precision changes no personalization result measurably and halves the size).
    private static void WriteReplay(Stream stream, FaceFeatures replay)
    {
        using var writer = new BinaryWriter(stream);
        writer.Write(replay.Count);
        writer.Write(replay.Length);
        writer.Write(replay.Labels.Select(l => (byte)l).ToArray());
        foreach (var value in replay.Values)
        {
            writer.Write((Half)value);
        }
    }

    private static ReplayValues? ReadReplay(ZipArchive zip, string path, int featureSize)
    {
        if (zip.GetEntry(ReplayEntry) is not { } entry)
        {
            return null;
        }

        try
        {
            using var reader = new BinaryReader(entry.Open());
            var count = reader.ReadInt32();
            var length = reader.ReadInt32();
            if (count <= 0 || length != featureSize)
            {
                throw new ModelFormatException(path, $"{ReplayEntry} holds {count} faces of {length} features; the network has {featureSize}");
            }

            var labels = reader.ReadBytes(count);
            if (labels.Length != count || labels.Any(l => l >= Expressions.Count))
            {
                throw new ModelFormatException(path, $"{ReplayEntry} is truncated or has a label outside 0–{Expressions.Count - 1}");
            }

            var values = new float[count * length];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = (float)reader.ReadHalf();
            }

            return new ReplayValues(values, [.. labels.Select(l => (Expression)l)]);
        }
        catch (EndOfStreamException e)
        {
            throw new ModelFormatException(path, $"{ReplayEntry} is truncated", e);
        }
        catch (InvalidDataException e)
        {
            throw new ModelFormatException(path, $"{ReplayEntry} is corrupt", e);
        }
    }

    private static ZipArchive OpenArchive(string path)
    {
        if (!File.Exists(path))
        {
            throw new ModelFormatException(path, "file not found");
        }

        try
        {
            return ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new ModelFormatException(path, "not a PersonalFer model file, or corrupt or truncated", e);
        }
    }

    private static ModelManifest ReadManifest(ZipArchive zip, string path)
    {
        var entry = zip.GetEntry(ManifestEntry) ?? throw new ModelFormatException(path, $"has no {ManifestEntry}: not a PersonalFer model file");
        ModelManifest? manifest;
        try
        {
            using var stream = entry.Open();
            manifest = JsonSerializer.Deserialize<ModelManifest>(stream, Json);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or ArgumentOutOfRangeException)
        {
            throw new ModelFormatException(path, $"{ManifestEntry} is unreadable ({e.Message})", e);
        }

        if (manifest is null)
        {
            throw new ModelFormatException(path, $"{ManifestEntry} is empty");
        }

        if (manifest.Framing is null)
        {
            throw new ModelFormatException(path, $"{ManifestEntry} has a null {nameof(ModelManifest.Framing)}");
        }

        if (manifest.FormatVersion is < 1 or > ModelManifest.CurrentFormatVersion)
        {
            throw new ModelFormatException(path, $"format version {manifest.FormatVersion} is not supported (this library reads versions 1 to {ModelManifest.CurrentFormatVersion})");
        }

        var expectedOrder = Expressions.All.Select(e => e.ToString());
        if (!manifest.ClassOrder.SequenceEqual(expectedOrder))
        {
            throw new ModelFormatException(path, $"class order [{string.Join(", ", manifest.ClassOrder)}] differs from FER2013's [{string.Join(", ", expectedOrder)}]");
        }

        if (manifest.InputSize != FaceImage.Size || !(manifest.NormalizationStd > 0))
        {
            throw new ModelFormatException(path, $"input size {manifest.InputSize} or normalization std {manifest.NormalizationStd} is not usable");
        }

        return manifest;
    }
}

/// <summary>What <see cref="ModelFile.Load(string, ModelArchitecture?)"/> read.</summary>
internal sealed record LoadedModel(ModelManifest Manifest, FerNetwork Network, ReplayValues? Replay);

/// <summary>Replayed general features as stored, before they are tied to the loaded weights' fingerprint.</summary>
internal sealed record ReplayValues(float[] Values, Expression[] Labels);
