using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using PersonalFer.Data;
using PersonalFer.Tests;

namespace PersonalFer.Model.Tests;

/// <summary>
/// One example of each kind of bad model file the reader refuses with a <see cref="ModelFormatException"/> naming
/// the file and the problem (docs/reliability-storage-cases.md lists them), and of each model the writer refuses to
/// save because the file could not be loaded back. <see cref="ModelFileFuzzTests"/> covers the space between.
/// </summary>
public sealed class ModelFileBadInputTests(ValidModelFiles files) : IClassFixture<ValidModelFiles>
{
    private const string Delete = "(delete)";

    [Theory]
    [InlineData("ClassOrder", "null", "manifest.json: ClassOrder is null")]
    [InlineData("ClassOrder", """["Angry"]""", "class order [Angry] differs from FER2013's")]
    [InlineData("ClassOrder", """["Angry", null, "Fear", "Happy", "Sad", "Surprise", "Neutral"]""", "class order [Angry, , Fear")]
    [InlineData("Architecture", "1", "manifest.json is unreadable")]
    [InlineData("Architecture", Delete, "missing required properties including: 'Architecture'")]
    [InlineData("InputSize", "0", "manifest.json: InputSize 0 is not 48")]
    [InlineData("NormalizationMean", "-1", "manifest.json: NormalizationMean -1 is outside [0, 1]")]
    [InlineData("NormalizationStd", "0", "manifest.json: NormalizationStd 0 is outside [0.01, 1]")]
    [InlineData("NormalizationStd", "1e30", "is outside [0.01, 1]")]
    [InlineData("NormalizationStd", "1e39", "NormalizationStd Infinity is outside [0.01, 1]")]
    [InlineData("NormalizationStd", "\"NaN\"", "Path: $.NormalizationStd")]
    [InlineData("Metrics", "null", "manifest.json: Metrics is null")]
    [InlineData("Metrics", """{"x": "high"}""", "Path: $.Metrics.x")]
    [InlineData("Metrics", """{"": 0.5}""", "Metrics has a name that is empty")]
    [InlineData("Metrics", """{"x": 1e400}""", "manifest.json: Metrics['x'] is Infinity")]
    [InlineData("Epochs", "-1", "manifest.json: Epochs -1 is outside [0, 1000000]")]
    [InlineData("Epochs", "1e12", "Path: $.Epochs")]
    [InlineData("Created", "\"0001-01-01T00:00:00+00:00\"", "Created 0001-01-01T00:00:00.0000000+00:00 is not a plausible date")]
    [InlineData("Created", "\"9999-12-31T00:00:00+00:00\"", "is not a plausible date")]
    [InlineData("Created", "null", "Path: $.Created")]
    [InlineData("Framing", "null", "manifest.json: Framing is null")]
    [InlineData("Framing", """{"Margin": -1}""", "must be in [0, 1] (Parameter 'Margin')")]
    [InlineData("FormatVersion", "4", "format version 4 is not supported")]
    public void Each_invalid_manifest_field_is_named(string field, string json, string problem)
    {
        var error = Refused(WithManifest(files.Float32, manifest =>
        {
            if (json == Delete)
            {
                manifest.Remove(field);
            }
            else
            {
                manifest[field] = JsonNode.Parse(json);
            }
        }));

        error.AssertSays(problem);
    }

    [Fact]
    public void Oversized_manifest_fields_are_named()
    {
        var command = Refused(WithManifest(files.Float32, m => m["Command"] = new string('c', 5000)));
        var metrics = Refused(WithManifest(files.Float32, m => m["Metrics"] = new JsonObject(Enumerable.Range(0, 300).Select(i => KeyValuePair.Create($"m{i}", (JsonNode?)0.5)))));

        command.AssertSays("manifest.json: Command is longer than 4096 characters");
        metrics.AssertSays("manifest.json: Metrics has 300 entries (at most 256)");
    }

    [Fact]
    public void Repeated_empty_and_oversized_manifests_are_refused()
    {
        var manifest = Encoding.UTF8.GetString(TestArchives.Read(files.Float32).Single(e => e.Name == "manifest.json").Content);
        var repeated = Refused(TestArchives.WithEntry(files.Float32, "manifest.json", Encoding.UTF8.GetBytes(manifest.Insert(1, "\"Epochs\": 1,"))));
        var empty = Refused(TestArchives.WithEntry(files.Float32, "manifest.json", "null"u8.ToArray()));
        var huge = Refused(TestArchives.WithEntry(files.Float32, "manifest.json", new byte[(1 << 20) + 1]));

        repeated.AssertSays("Duplicate property 'Epochs'");
        empty.AssertSays("manifest.json is empty");
        huge.AssertSays("manifest.json declares 1,048,577 bytes, more than the 1,048,576 it may hold");
    }

    [Fact]
    public void Half_precision_weights_in_a_version_1_file_are_refused()
    {
        var error = Refused(WithManifest(files.Float16, m => m["FormatVersion"] = 1));

        error.AssertSays("holds weights-fp16.bin, which format version 1 does not have");
    }

    [Theory]
    [InlineData("drop manifest.json", "has no manifest.json")]
    [InlineData("drop weights.bin", "has no weights.bin or weights-fp16.bin")]
    [InlineData("repeat manifest.json", "holds manifest.json twice")]
    [InlineData("add notes.txt", "holds an unexpected entry 'notes.txt'")]
    [InlineData("add models/", "holds an unexpected entry 'models/'")]
    [InlineData("add weights-fp16.bin", "holds both weights.bin and weights-fp16.bin")]
    public void Missing_repeated_and_unexpected_entries_are_refused(string change, string problem)
    {
        var entries = TestArchives.Read(files.Float32);
        var (verb, name) = (change.Split(' ')[0], change.Split(' ')[1]);
        var changed = verb switch
        {
            "drop" => entries.Where(e => e.Name != name),
            "repeat" => [.. entries, entries.Single(e => e.Name == name)],
            _ => entries.Append((name, name == "weights-fp16.bin" ? TestArchives.Read(files.Float16).Single(e => e.Name == name).Content : [])),
        };

        Refused(TestArchives.Write(changed)).AssertSays(problem);
    }

    [Fact]
    public void A_flipped_byte_inside_an_entry_fails_its_CRC()
    {
        var damaged = (byte[])files.Float32.Clone();
        damaged[damaged.Length / 3] ^= 0x40; // inside weights.bin, which is stored, not deflated

        Refused(damaged).AssertSays("weights.bin is corrupt: its CRC-32 does not match its content");
    }

    [Theory]
    [InlineData(24, 100_000u, "manifest.json holds")] // the uncompressed size the directory declares
    [InlineData(24, 2_000_000u, "manifest.json declares 2,000,000 bytes, more than the 1,048,576")]
    [InlineData(10, 99u, "manifest.json is corrupt (The archive entry was compressed using an unsupported compression method.)")]
    public void Lying_directory_headers_are_refused(int field, uint value, string problem)
    {
        var damaged = (byte[])files.Float32.Clone();
        var header = CentralHeaderOf(damaged, "manifest.json");
        if (field == 10)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(damaged.AsSpan(header + field), (ushort)value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(damaged.AsSpan(header + field), value);
        }

        Refused(damaged).AssertSays(problem);
    }

    [Theory]
    [InlineData(TensorDamage.Count, 3, "weights.bin does not fit a VggBn network or is corrupt: holds 3 tensors; the network has")]
    [InlineData(TensorDamage.Name, 2, "is not part of the network")]
    [InlineData(TensorDamage.Type, 7, "has scalar type 7; the network's is Float32")]
    [InlineData(TensorDamage.Rank, 9, "has 9 dimensions")]
    [InlineData(TensorDamage.Dimension, 1L << 40, "has 1099511627776 in dimension 0")]
    [InlineData(TensorDamage.NameLength, int.MaxValue, "a tensor name claims 2147483647 bytes (at most 256)")]
    [InlineData(TensorDamage.Truncate, 0, "weights.bin does not fit a VggBn network or is corrupt: truncated")]
    [InlineData(TensorDamage.Trailing, 0, "data follows the last tensor")]
    [InlineData(TensorDamage.NonFinite, 0, "holds NaN or infinite values")]
    public void Float32_weights_are_checked_tensor_by_tensor(TensorDamage damage, long number, string problem)
    {
        var error = Refused(WithWeights(files.Float32, "weights.bin", w => TensorFiles.Apply(w, TensorLayout.StateDict, new TensorMutation(damage, 0, number, 1000))));

        error.AssertSays(problem);
    }

    [Fact]
    public void Repeated_tensors_malformed_lengths_and_negative_variances_are_refused()
    {
        var repeated = Refused(WithWeights(files.Float32, "weights.bin", weights =>
        {
            var records = TensorFiles.Parse(weights, TensorLayout.StateDict);
            records[1] = records[0];
            return TensorFiles.Write(records, TensorLayout.StateDict).Bytes;
        }));
        var malformed = Refused(WithWeights(files.Float32, "weights.bin", _ => [.. Enumerable.Repeat((byte)0xFF, 11)]));
        var variance = Refused(WithWeights(files.Float32, "weights.bin", weights =>
        {
            var records = TensorFiles.Parse(weights, TensorLayout.StateDict);
            var at = records.FindIndex(r => r.Name.EndsWith(".running_var", StringComparison.Ordinal));
            records[at] = records[at] with { Values = [.. records[at].Values[..^4], .. BitConverter.GetBytes(-1f)] };
            return TensorFiles.Write(records, TensorLayout.StateDict).Bytes;
        }));

        repeated.AssertSays("tensor '_features.block1.conv1.weight' appears twice");
        malformed.AssertSays("weights.bin does not fit a VggBn network or is corrupt: a length is malformed");
        variance.AssertSays("running_var' is a variance but holds negative values");
    }

    [Theory]
    [InlineData(TensorDamage.Count, int.MaxValue, "weights-fp16.bin does not fit a Seed network or is corrupt: holds 2147483647 tensors")]
    [InlineData(TensorDamage.Rank, int.MaxValue, "has 2147483647 dimensions")]
    [InlineData(TensorDamage.Dimension, -1, "has -1 in dimension 0")]
    [InlineData(TensorDamage.DropTensor, 0, "is missing")]
    [InlineData(TensorDamage.NonFinite, 0, "holds NaN or infinite values")]
    [InlineData(TensorDamage.Truncate, 1000, "weights-fp16.bin does not fit a Seed network or is corrupt: truncated")]
    public void Half_precision_weights_are_checked_before_anything_is_allocated(TensorDamage damage, long number, string problem)
    {
        var error = Refused(WithWeights(files.Float16, "weights-fp16.bin", w => TensorFiles.Apply(w, TensorLayout.Half, new TensorMutation(damage, 0, number, 1000))));

        error.AssertSays(problem);
    }

    [Theory]
    [InlineData(0, int.MaxValue, "replay.bin is truncated or too long: 2147483647 faces of 2304 features take")]
    [InlineData(8, 0x7E00, "replay.bin holds NaN or infinite values")] // a half-precision NaN over the first value, after the labels
    public void Replay_features_are_checked_before_anything_is_allocated(int field, int value, string problem)
    {
        var replay = TestArchives.Read(files.Float32).Single(e => e.Name == "replay.bin").Content;
        var count = BitConverter.ToInt32(replay, 0);
        var damaged = (byte[])replay.Clone();
        if (field == 0)
        {
            BitConverter.TryWriteBytes(damaged.AsSpan(0), value);
        }
        else
        {
            BitConverter.TryWriteBytes(damaged.AsSpan(field + count), (ushort)value);
        }

        Refused(TestArchives.WithEntry(files.Float32, "replay.bin", damaged)).AssertSays(problem);
    }

    [Fact]
    public void Non_finite_weights_are_not_saved_and_the_old_file_is_kept()
    {
        var path = files.Write(files.Float32);
        using var model = ExpressionModel.Load(path);
        using (TorchSharp.torch.no_grad())
        {
            model.Network.Head.parameters().First().fill_(float.NaN);
        }

        var error = Assert.Throws<InvalidOperationException>(() => model.Save(path));

        error.AssertSays("holds NaN or infinite values");
        Assert.Equal(files.Float32, File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
    }

    [Fact]
    public void Weights_beyond_half_precision_are_not_saved_as_float16_but_are_as_float32()
    {
        using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 2);
        using (TorchSharp.torch.no_grad())
        {
            model.Network.Head.parameters().First()[0, 0] = TorchSharp.torch.tensor(1e5f);
        }

        var path = files.NewPath();
        var error = Assert.Throws<InvalidOperationException>(() => model.Save(path, WeightPrecision.Float16));
        model.Save(path, WeightPrecision.Float32);
        using var loaded = ExpressionModel.Load(path);

        error.AssertSays("holds values beyond ±65504, which half precision cannot store");
        Assert.Equal(model.Fingerprint(), loaded.Fingerprint());
    }

    [Fact]
    public void Replay_features_beyond_half_precision_are_not_saved()
    {
        using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 2);
        var replay = new FaceFeatures(Enumerable.Repeat(1e6f, model.Network.FeatureSize).ToArray(), [Expression.Happy], model.Network.FeatureSize, model.Fingerprint());
        var path = files.NewPath();

        var error = Assert.Throws<InvalidOperationException>(() => ModelFile.Save(path, model.Manifest, model.Network, replay, WeightPrecision.Float32));

        error.AssertSays("general replay features hold NaN or values beyond ±65504");
        Assert.False(File.Exists(path));
    }

    public static TheoryData<string, Func<ModelManifest, ModelManifest>, string> UnsavableManifests => new()
    {
        { "a NaN metric", m => m with { Metrics = new Dictionary<string, double> { ["x"] = double.NaN } }, "Metrics['x'] is NaN" },
        { "a lone surrogate", m => m with { Command = "run \uD800" }, "Command is longer than 4096 characters or not well-formed Unicode" },
        { "no class order", m => m with { ClassOrder = null! }, "ClassOrder is null" },
        { "year 1", m => m with { Created = DateTimeOffset.MinValue }, "is not a plausible date" },
        { "negative epochs", m => m with { Epochs = -3 }, "Epochs -3 is outside" },
    };

    [Theory]
    [MemberData(nameof(UnsavableManifests))]
    public void Manifests_that_could_not_be_read_back_are_not_saved(string why, Func<ModelManifest, ModelManifest> describe, string problem)
    {
        var path = files.Write(files.Float16);
        using var model = ExpressionModel.Load(path);
        model.Describe(describe);

        var error = Assert.Throws<InvalidOperationException>(() => model.Save(path));

        error.AssertSays(problem);
        Assert.True(files.Float16.AsSpan().SequenceEqual(File.ReadAllBytes(path)), $"{why}: the file on disk changed");
    }

    [Fact]
    public void A_save_that_fails_leaves_no_temporary_file()
    {
        var target = Directory.CreateDirectory(files.NewPath()); // a folder where the file should go: the rename fails
        using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 2);

        var error = Record.Exception(() => model.Save(target.FullName));

        Assert.True(error is IOException or UnauthorizedAccessException, $"{error}");
        Assert.Empty(Directory.GetFiles(target.Parent!.FullName, "*.tmp"));
    }

    [Fact]
    public void Odd_but_well_formed_text_in_a_manifest_round_trips()
    {
        const string Command = "train \t\0 \"quoted\" \\ \u202Eevil 😀 ünïcödé";
        using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 2);
        model.Describe(m => m with { Command = Command, Metrics = new Dictionary<string, double> { ["ünï 😀"] = 1e-300, ["max"] = double.MaxValue } });
        var path = files.NewPath();
        model.Save(path, WeightPrecision.Float16);

        using var loaded = ExpressionModel.Load(path);

        Assert.Equal(Command, loaded.Manifest.Command);
        Assert.Equal(model.Manifest.Metrics, loaded.Manifest.Metrics);
    }

    private ModelFormatException Refused(byte[] file)
    {
        var path = files.Write(file);
        var error = Assert.Throws<ModelFormatException>(() => ExpressionModel.Load(path));
        Assert.Equal(path, error.File);
        Assert.StartsWith($"{path}: ", error.Message, StringComparison.Ordinal);
        File.Delete(path);
        return error;
    }

    private static byte[] WithManifest(byte[] file, Action<JsonObject> edit)
    {
        var manifest = JsonNode.Parse(TestArchives.Read(file).Single(e => e.Name == "manifest.json").Content)!.AsObject();
        edit(manifest);
        return TestArchives.WithEntry(file, "manifest.json", Encoding.UTF8.GetBytes(manifest.ToJsonString()));
    }

    private static byte[] WithWeights(byte[] file, string entry, Func<byte[], byte[]> change) =>
        TestArchives.WithEntry(file, entry, change(TestArchives.Read(file).Single(e => e.Name == entry).Content));

    // The central directory header of an entry: signature, versions, flags, method (+10), times, CRC, sizes (+20, +24), name at +46.
    private static int CentralHeaderOf(byte[] zip, string entry) =>
        TestArchives.HeaderOffsets(zip).Single(at => BitConverter.ToUInt32(zip, at) == 0x02014b50
            && Encoding.UTF8.GetString(zip, at + 46, BitConverter.ToUInt16(zip, at + 28)) == entry);
}
