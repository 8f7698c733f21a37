using System.Buffers.Binary;
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
/// atomically: a temporary file renamed into place. Read without trusting any of it: every entry is checked against
/// its CRC-32, every field and declared size against what the network can hold, before anything reaches libtorch.
/// </summary>
internal static class ModelFile
{
    public const string ManifestEntry = "manifest.json";
    public const string WeightsEntry = "weights.bin";
    public const string HalfWeightsEntry = "weights-fp16.bin";
    public const string ReplayEntry = "replay.bin";

    // Entry sizes a reader accepts: far above what the library writes (a manifest of a few hundred bytes, 7 MB of
    // VggBn weights, 9 MB of replay for 2,000 faces), far below what would strain memory.
    private const int MaxManifestBytes = 1 << 20;
    private const int MaxWeightsBytes = 256 << 20;
    private const int MaxReplayBytes = 512 << 20;

    // A whole file read from a stream: the entries' limits and room for the zip structure around them.
    private const int MaxFileBytes = MaxManifestBytes + MaxWeightsBytes + MaxReplayBytes + (1 << 20);

    // The largest half-precision value (65504); larger ones are stored as infinity.
    private static readonly float HalfLimit = (float)Half.MaxValue;

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        AllowDuplicateProperties = false,
        Converters = { new JsonStringEnumConverter(allowIntegerValues: false) },
    };

    /// <exception cref="InvalidOperationException">
    /// Something would be written that could not be read back: an invalid manifest field, non-finite weights, weights
    /// or replay features beyond half precision's range, or more replay than a reader accepts.
    /// </exception>
    public static void Save(string path, ModelManifest manifest, FerNetwork network, FaceFeatures? generalReplay, WeightPrecision weightPrecision)
    {
        var saved = Savable(manifest, network, generalReplay, weightPrecision);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = File.Create(temporary))
            {
                Write(file, saved, network, generalReplay, weightPrecision);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// Writes a model file to <paramref name="stream"/>: checked first, then built whole in memory, so a refused or
    /// failed save writes nothing to the stream.
    /// </summary>
    /// <exception cref="InvalidOperationException">See <see cref="Save(string, ModelManifest, FerNetwork, FaceFeatures?, WeightPrecision)"/>.</exception>
    public static void Save(Stream stream, ModelManifest manifest, FerNetwork network, FaceFeatures? generalReplay, WeightPrecision weightPrecision)
    {
        using var content = Content(manifest, network, generalReplay, weightPrecision);
        stream.Write(content.GetBuffer().AsSpan(0, (int)content.Length));
    }

    /// <summary>A whole model file in memory, checked first.</summary>
    /// <exception cref="InvalidOperationException">See <see cref="Save(string, ModelManifest, FerNetwork, FaceFeatures?, WeightPrecision)"/>.</exception>
    public static MemoryStream Content(ModelManifest manifest, FerNetwork network, FaceFeatures? generalReplay, WeightPrecision weightPrecision)
    {
        var saved = Savable(manifest, network, generalReplay, weightPrecision);
        var content = new MemoryStream();
        Write(content, saved, network, generalReplay, weightPrecision);
        return content;
    }

    /// <summary>The manifest as saved, once everything to save is known to load back.</summary>
    private static ModelManifest Savable(ModelManifest manifest, FerNetwork network, FaceFeatures? generalReplay, WeightPrecision weightPrecision)
    {
        var saved = manifest with { FormatVersion = ModelManifest.CurrentFormatVersion };
        CheckSavable(saved, network, generalReplay, weightPrecision);
        return saved;
    }

    private static void Write(Stream target, ModelManifest saved, FerNetwork network, FaceFeatures? generalReplay, WeightPrecision weightPrecision)
    {
        using var zip = new ZipArchive(target, ZipArchiveMode.Create, leaveOpen: true);
        using (var entry = zip.CreateEntry(ManifestEntry, CompressionLevel.Optimal).Open())
        {
            JsonSerializer.Serialize(entry, saved, Json);
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

    /// <summary>Reads a model file into a new network, checking everything that can be wrong with it.</summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="ModelFormatException">The file is there but is not a readable model, or not of <paramref name="expected"/>.</exception>
    public static LoadedModel Load(string path, ModelArchitecture? expected)
    {
        using var zip = Open(path, () => ArchiveReader.Open(path));
        return Load(zip, path, expected);
    }

    /// <summary>Reads a model from a stream (e.g. an embedded resource); <paramref name="source"/> names it in errors.</summary>
    public static LoadedModel Load(Stream stream, string source, ModelArchitecture? expected, CancellationToken cancellationToken = default)
    {
        using var zip = Open(source, () => new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true));
        return Load(zip, source, expected, cancellationToken);
    }

    /// <summary>Reads a model file's bytes, read whole beforehand (from a stream that may not seek).</summary>
    public static LoadedModel Load(byte[] content, string source, ModelArchitecture? expected, CancellationToken cancellationToken = default)
    {
        using var stream = new MemoryStream(content, writable: false);
        return Load(stream, source, expected, cancellationToken);
    }

    /// <summary>The rest of a caller's stream, at most <see cref="MaxFileBytes"/>.</summary>
    /// <exception cref="ModelFormatException">The stream holds more.</exception>
    public static byte[] ReadAll(Stream stream, string source)
    {
        try
        {
            return StreamBuffer.ReadAll(stream, MaxFileBytes);
        }
        catch (InvalidDataException e)
        {
            throw TooLong(source, e);
        }
    }

    /// <summary>The rest of a caller's stream (or a file), read asynchronously, at most <see cref="MaxFileBytes"/>.</summary>
    /// <exception cref="ModelFormatException">The stream holds more.</exception>
    public static async Task<byte[]> ReadAllAsync(Stream stream, string source, CancellationToken cancellationToken)
    {
        try
        {
            return await StreamBuffer.ReadAllAsync(stream, MaxFileBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw TooLong(source, e);
        }
    }

    private static ModelFormatException TooLong(string source, InvalidDataException e) => new(source, $"{e.Message} for a model file", e);

    private static ZipArchive Open(string path, Func<ZipArchive> open)
    {
        try
        {
            return open();
        }
        catch (InvalidDataException e)
        {
            throw new ModelFormatException(path, $"not a PersonalFer model file, or corrupt or truncated ({e.Message})", e);
        }
    }

    private static LoadedModel Load(ZipArchive zip, string path, ModelArchitecture? expected, CancellationToken cancellationToken = default)
    {
        // Loading libtorch, a third of a cold start, needs nothing from the file: it runs while the entries are read
        // and checked, and building the network below waits for it (or throws what it failed with).
        TorchRuntime.StartInitializing();
        ModelManifest manifest;
        ZipArchiveEntry weightsEntry;
        byte[] weights;
        byte[]? replay;
        try
        {
            var entries = ArchiveReader.Entries(zip, [ManifestEntry], [WeightsEntry, HalfWeightsEntry, ReplayEntry]);
            manifest = ReadManifest(ArchiveReader.Read(entries[ManifestEntry], MaxManifestBytes));
            if (expected is { } architecture && manifest.Architecture != architecture)
            {
                throw new ModelFormatException(path, $"holds a {manifest.Architecture} network, not the expected {architecture}");
            }

            // Every entry is read and checked against its CRC-32 before a network is built to receive it.
            weightsEntry = WeightsEntryOf(entries, manifest);
            weights = ArchiveReader.Read(weightsEntry, MaxWeightsBytes);
            replay = entries.TryGetValue(ReplayEntry, out var replayEntry) ? ArchiveReader.Read(replayEntry, MaxReplayBytes) : null;
        }
        catch (InvalidDataException e)
        {
            throw new ModelFormatException(path, e.Message, e);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var network = NetworkFactory.Create(manifest.Architecture);
        try
        {
            ReadWeights(weightsEntry.FullName, weights, manifest, network);
            cancellationToken.ThrowIfCancellationRequested();
            return new LoadedModel(manifest, network, replay is null ? null : ReadReplay(replay, network.FeatureSize));
        }
        catch (InvalidDataException e)
        {
            network.Dispose();
            throw new ModelFormatException(path, e.Message, e);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    private static ModelManifest ReadManifest(byte[] content)
    {
        ModelManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ModelManifest>(content, Json);
        }
        catch (Exception e) when (e is JsonException or ArgumentOutOfRangeException)
        {
            // FaceFraming refuses an out-of-range margin with ArgumentOutOfRangeException, which the serializer passes on.
            throw new InvalidDataException($"{ManifestEntry} is unreadable ({e.Message})", e);
        }

        return manifest is null ? throw new InvalidDataException($"{ManifestEntry} is empty")
            : manifest.FindProblem() is { } problem ? throw new InvalidDataException($"{ManifestEntry}: {problem}")
            : manifest;
    }

    /// <summary>The one weights entry, of a kind the manifest's format version has.</summary>
    private static ZipArchiveEntry WeightsEntryOf(Dictionary<string, ZipArchiveEntry> entries, ModelManifest manifest)
    {
        var hasFloat32 = entries.TryGetValue(WeightsEntry, out var float32);
        var hasFloat16 = entries.TryGetValue(HalfWeightsEntry, out var float16);
        if (hasFloat32 == hasFloat16)
        {
            throw new InvalidDataException(hasFloat32 ? $"holds both {WeightsEntry} and {HalfWeightsEntry}" : $"has no {WeightsEntry} or {HalfWeightsEntry}");
        }

        return !hasFloat16 ? float32!
            : manifest.FormatVersion >= 2 ? float16!
            : throw new InvalidDataException($"holds {HalfWeightsEntry}, which format version {manifest.FormatVersion} does not have");
    }

    /// <exception cref="InvalidDataException">The weights are corrupt or do not fit the network.</exception>
    private static void ReadWeights(string entry, byte[] content, ModelManifest manifest, FerNetwork network)
    {
        try
        {
            if (entry == HalfWeightsEntry)
            {
                NetworkState.Write(network, manifest.Architecture, ReadHalfWeights(content, NetworkState.Shapes(network)));
            }
            else
            {
                using var weights = new MemoryStream(content);
                StateDictFormat.Load(network, weights);
            }
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{entry} does not fit a {manifest.Architecture} network or is corrupt: {e.Message}", e);
        }
    }

    /// <exception cref="InvalidOperationException">See <see cref="Save(string, ModelManifest, FerNetwork, FaceFeatures?, WeightPrecision)"/>.</exception>
    private static void CheckSavable(ModelManifest manifest, FerNetwork network, FaceFeatures? generalReplay, WeightPrecision weightPrecision)
    {
        if (manifest.FindProblem() is { } problem)
        {
            throw new InvalidOperationException($"The manifest cannot be saved: {problem}. Correct it with {nameof(ExpressionModel.Describe)}.");
        }

        if (NetworkState.FirstTensorBeyond(network, float.MaxValue) is { } diverged)
        {
            throw new InvalidOperationException($"The weights cannot be saved: '{diverged}' holds NaN or infinite values.");
        }

        if (weightPrecision == WeightPrecision.Float16 && NetworkState.FirstTensorBeyond(network, HalfLimit) is { } large)
        {
            throw new InvalidOperationException($"'{large}' holds values beyond ±{HalfLimit}, which half precision cannot store: save as {WeightPrecision.Float32}.");
        }

        if (generalReplay is null)
        {
            return;
        }

        if (ReplayBytes(generalReplay.Count, generalReplay.Length) > MaxReplayBytes)
        {
            throw new InvalidOperationException($"{generalReplay.Count} general replay faces are more than a model file can hold ({MaxReplayBytes / (1 << 20)} MiB).");
        }

        if (!generalReplay.Values.All(v => Math.Abs(v) <= HalfLimit))
        {
            throw new InvalidOperationException($"The general replay features hold NaN or values beyond ±{HalfLimit}, which half precision cannot store.");
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

    /// <summary>
    /// Reads half-precision weights, each tensor's name, rank and dimensions checked against <paramref name="shapes"/>
    /// before its values are read, and every tensor but BatchNorm's batch counts required.
    /// </summary>
    private static Dictionary<string, WeightArray> ReadHalfWeights(byte[] content, IReadOnlyDictionary<string, long[]> shapes)
    {
        using var stream = new MemoryStream(content);
        using var reader = new BinaryReader(stream);
        try
        {
            var count = reader.ReadInt32();
            if (count < 0 || count > shapes.Count)
            {
                throw new InvalidDataException($"holds {count} tensors; the network has {shapes.Count}");
            }

            var weights = new Dictionary<string, WeightArray>(count, StringComparer.Ordinal);
            for (var t = 0; t < count; t++)
            {
                var name = StoredBinary.ReadName(reader);
                if (!shapes.TryGetValue(name, out var shape))
                {
                    throw new InvalidDataException($"tensor '{StoredText.Shown(name)}' is not part of the network");
                }

                if (weights.ContainsKey(name))
                {
                    throw new InvalidDataException($"tensor '{name}' appears twice");
                }

                var rank = reader.ReadInt32();
                if (rank != shape.Length)
                {
                    throw new InvalidDataException($"tensor '{name}' has {rank} dimensions; the network's has {shape.Length} [{string.Join(", ", shape)}]");
                }

                for (var d = 0; d < rank; d++)
                {
                    var dimension = reader.ReadInt64();
                    if (dimension != shape[d])
                    {
                        throw new InvalidDataException($"tensor '{name}' has {dimension} in dimension {d}; the network's is [{string.Join(", ", shape)}]");
                    }
                }

                var values = new float[shape.Aggregate(1L, (product, dimension) => product * dimension)];
                ReadHalves(reader, values);

                if (NetworkState.ValueProblem(name, values) is { } problem)
                {
                    throw new InvalidDataException($"tensor '{name}' {problem}");
                }

                weights[name] = new WeightArray(shape, values);
            }

            StoredBinary.ExpectEnd(stream);
            if (shapes.Keys.FirstOrDefault(name => !NetworkState.IsBatchCount(name) && !weights.ContainsKey(name)) is { } missing)
            {
                throw new InvalidDataException($"tensor '{missing}' is missing");
            }

            return weights;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("truncated", e);
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

    private static long ReplayBytes(long count, long length) => (2 * sizeof(int)) + (count * (1 + (length * 2)));

    // Little-endian half-precision values read in blocks: BinaryReader.ReadHalf, one call per value, made reading the
    // 4.6 million replayed features a tenth of a second of every model load.
    private static void ReadHalves(BinaryReader reader, float[] values)
    {
        const int valuesPerBlock = 32 * 1024;
        var block = new byte[Math.Min(values.Length, valuesPerBlock) * sizeof(ushort)];
        for (var start = 0; start < values.Length; start += valuesPerBlock)
        {
            var count = Math.Min(valuesPerBlock, values.Length - start);
            var bytes = block.AsSpan(0, count * sizeof(ushort));
            reader.BaseStream.ReadExactly(bytes);
            for (var i = 0; i < count; i++)
            {
                values[start + i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(i * sizeof(ushort))..]);
            }
        }
    }

    private static ReplayValues ReadReplay(byte[] content, int featureSize)
    {
        using var reader = new BinaryReader(new MemoryStream(content));
        try
        {
            var count = reader.ReadInt32();
            var length = reader.ReadInt32();
            if (count <= 0 || length != featureSize)
            {
                throw new InvalidDataException($"{ReplayEntry} holds {count} faces of {length} features; the network has {featureSize}");
            }

            // The size follows from the count: checked before anything of that size is allocated.
            if (ReplayBytes(count, length) != content.Length)
            {
                throw new InvalidDataException($"{ReplayEntry} is truncated or too long: {count} faces of {length} features take {ReplayBytes(count, length):N0} bytes, not {content.Length:N0}");
            }

            var labels = reader.ReadBytes(count);
            if (labels.Any(l => l >= Expressions.Count))
            {
                throw new InvalidDataException($"{ReplayEntry} has a label outside 0–{Expressions.Count - 1}");
            }

            var values = new float[count * length];
            ReadHalves(reader, values);
            if (!values.All(float.IsFinite))
            {
                throw new InvalidDataException($"{ReplayEntry} holds NaN or infinite values");
            }

            return new ReplayValues(values, [.. labels.Select(l => (Expression)l)]);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{ReplayEntry} is truncated", e);
        }
    }
}

/// <summary>What <see cref="ModelFile.Load(string, ModelArchitecture?)"/> read.</summary>
internal sealed record LoadedModel(ModelManifest Manifest, FerNetwork Network, ReplayValues? Replay);

/// <summary>Replayed general features as stored, before they are tied to the loaded weights' fingerprint.</summary>
internal sealed record ReplayValues(float[] Values, Expression[] Labels);
