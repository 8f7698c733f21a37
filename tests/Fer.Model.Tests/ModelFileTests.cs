using System.IO.Compression;
using PersonalFer.Data;
using PersonalFer.Tests;

namespace PersonalFer.Model.Tests;

public sealed class ModelFileTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("fer-model-");

    public void Dispose() => _directory.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_directory.FullName, name);

    private static byte[] Faces(int count)
    {
        var faces = new byte[count * FaceImage.PixelCount];
        new Random(2).NextBytes(faces);
        return faces;
    }

    [Theory]
    [InlineData(ModelArchitecture.Seed)]
    [InlineData(ModelArchitecture.VggBn)]
    [InlineData(ModelArchitecture.VggBnCompact)]
    public void Saved_models_load_with_identical_predictions_and_manifest(ModelArchitecture architecture)
    {
        using var model = ExpressionModel.Create(architecture, seed: 4);
        model.Describe(m => m with { Command = "test", Epochs = 3, Metrics = new Dictionary<string, double> { ["x"] = 0.5 } });
        var path = PathOf("m.fermodel");
        model.Save(path);

        using var loaded = ExpressionModel.Load(path, architecture);

        Assert.Equal(model.PredictProbabilities(Faces(4), 4), loaded.PredictProbabilities(Faces(4), 4));
        Assert.Equal("test", loaded.Manifest.Command);
        Assert.Equal(3, loaded.Manifest.Epochs);
        Assert.Equal(0.5, loaded.Manifest.Metrics["x"]);
        Assert.Equal(model.Manifest.NormalizationStd, loaded.Manifest.NormalizationStd);
        Assert.Empty(Directory.GetFiles(_directory.FullName, "*.tmp"));
    }

    [Fact]
    public void Loading_the_wrong_architecture_is_a_clear_error()
    {
        using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 1);
        model.Save(PathOf("seed.fermodel"));
        var error = Assert.Throws<ModelFormatException>(() => ExpressionModel.Load(PathOf("seed.fermodel"), ModelArchitecture.VggBn));
        Assert.Contains("holds a Seed network, not the expected VggBn", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_corrupt_and_missing_files_are_clear_errors()
    {
        using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 1);
        model.Save(PathOf("good.fermodel"));
        var bytes = File.ReadAllBytes(PathOf("good.fermodel"));
        File.WriteAllBytes(PathOf("truncated.fermodel"), bytes[..(bytes.Length / 2)]);
        var garbage = new byte[5000];
        new Random(1).NextBytes(garbage);
        File.WriteAllBytes(PathOf("garbage.fermodel"), garbage);

        Assert.StartsWith(PathOf("truncated.fermodel"), Assert.Throws<ModelFormatException>(() => ExpressionModel.Load(PathOf("truncated.fermodel"))).Message, StringComparison.Ordinal);
        Assert.Contains("not a PersonalFer model file", Assert.Throws<ModelFormatException>(() => ExpressionModel.Load(PathOf("garbage.fermodel"))).Message, StringComparison.Ordinal);
        Assert.Equal(PathOf("none.fermodel"), Assert.Throws<FileNotFoundException>(() => ExpressionModel.Load(PathOf("none.fermodel"))).FileName);
    }

    [Theory]
    [InlineData(WeightPrecision.Float32, "weights.bin")]
    [InlineData(WeightPrecision.Float16, "weights-fp16.bin")]
    public void Weights_of_another_network_under_a_manifest_are_rejected(WeightPrecision precision, string entry)
    {
        using var seed = ExpressionModel.Create(ModelArchitecture.Seed, seed: 1);
        using var vgg = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 1);
        seed.Save(PathOf("seed.fermodel"), precision);
        vgg.Save(PathOf("vgg.fermodel"), precision);
        TestArchives.ReplaceEntry(PathOf("seed.fermodel"), entry, TestArchives.ReadEntry(PathOf("vgg.fermodel"), entry));

        var error = Assert.Throws<ModelFormatException>(() => ExpressionModel.Load(PathOf("seed.fermodel")));
        Assert.Contains($"{entry} does not fit a Seed network", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"FormatVersion\": 3", "\"FormatVersion\": 99", "format version 99 is not supported")]
    [InlineData("\"FormatVersion\": 3", "\"FormatVersion\": 0", "format version 0 is not supported")]
    [InlineData("\"Margin\": 0", "\"Margin\": 2.5", "manifest.json is unreadable")]
    [InlineData("\"Framing\": {", "\"Framing\": null, \"Unused\": {", "manifest.json: Framing is null")]
    [InlineData("\"Angry\"", "\"Furious\"", "class order")]
    [InlineData("{", "[", "manifest.json is unreadable")]
    public void Manifests_from_other_versions_or_class_orders_are_rejected(string find, string replace, string problem)
    {
        using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 1);
        model.Save(PathOf("m.fermodel"));
        var manifest = System.Text.Encoding.UTF8.GetString(TestArchives.ReadEntry(PathOf("m.fermodel"), "manifest.json"));
        Assert.Contains(find, manifest, StringComparison.Ordinal);
        TestArchives.ReplaceEntry(PathOf("m.fermodel"), "manifest.json", System.Text.Encoding.UTF8.GetBytes(ReplaceFirst(manifest, find, replace)));

        var error = Assert.Throws<ModelFormatException>(() => ExpressionModel.Load(PathOf("m.fermodel")));
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Half_precision_weights_halve_the_file_and_predict_as_the_rounded_weights_do()
    {
        using var model = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 4);
        model.Precision = InferencePrecision.Float32;
        model.Save(PathOf("float32.fermodel"));
        model.Save(PathOf("float16.fermodel"), WeightPrecision.Float16);

        using var loaded = ExpressionModel.Load(PathOf("float16.fermodel"), ModelArchitecture.VggBn);
        loaded.Precision = InferencePrecision.Float32;

        Assert.InRange(new FileInfo(PathOf("float16.fermodel")).Length, 1, new FileInfo(PathOf("float32.fermodel")).Length * 0.55);
        using (var zip = ZipFile.OpenRead(PathOf("float16.fermodel")))
        {
            Assert.NotNull(zip.GetEntry("weights-fp16.bin"));
            Assert.Null(zip.GetEntry("weights.bin"));
        }

        var original = model.Weights();
        Assert.All(loaded.Weights(), entry => Assert.Equal(
            original[entry.Key].Values.Select(v => (float)(Half)v), entry.Value.Values));
        Assert.Equal(model.PredictProbabilities(Faces(8), 8), loaded.PredictProbabilities(Faces(8), 8), (a, b) => Math.Abs(a - b) < 2e-3f);
        Assert.Equal(ModelManifest.CurrentFormatVersion, loaded.Manifest.FormatVersion);

        // Saving the rounded weights again loses nothing: what `export` measures is what it writes.
        loaded.Save(PathOf("again.fermodel"), WeightPrecision.Float16);
        using var again = ExpressionModel.Load(PathOf("again.fermodel"));
        Assert.Equal(loaded.Fingerprint(), again.Fingerprint());
    }

    [Fact]
    public void Truncated_half_precision_weights_are_a_clear_error()
    {
        using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 3);
        model.Save(PathOf("m.fermodel"), WeightPrecision.Float16);
        var weights = TestArchives.ReadEntry(PathOf("m.fermodel"), "weights-fp16.bin");
        TestArchives.ReplaceEntry(PathOf("m.fermodel"), "weights-fp16.bin", weights[..(weights.Length / 2)]);

        var error = Assert.Throws<ModelFormatException>(() => ExpressionModel.Load(PathOf("m.fermodel")));

        Assert.Contains("weights-fp16.bin does not fit a Seed network or is corrupt: truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_framing_is_saved_with_the_model()
    {
        using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 3);
        var levelled = new FaceFraming { Margin = 0.2f, AlignEyes = true };
        model.Describe(m => m with { Framing = levelled });
        model.Save(PathOf("m.fermodel"));

        using var loaded = ExpressionModel.Load(PathOf("m.fermodel"));

        using var fresh = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 1);
        Assert.Equal(levelled, loaded.Framing);
        Assert.Equal(FaceFraming.DetectorBox, fresh.Framing);
        Assert.Throws<ArgumentNullException>(() => model.Describe(m => m with { Framing = null! }));
    }

    [Fact]
    public void Files_from_before_framings_were_stored_are_read_as_framed_by_the_detector_box()
    {
        // Those models were trained on FER2013's own crops, which the square detector box reproduces.
        using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 3);
        model.Describe(m => m with { Framing = new FaceFraming { Margin = 0.3f } });
        model.Save(PathOf("m.fermodel"));
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(TestArchives.ReadEntry(PathOf("m.fermodel"), "manifest.json"))!.AsObject();
        manifest.Remove("Framing");
        manifest["FormatVersion"] = 2;
        TestArchives.ReplaceEntry(PathOf("m.fermodel"), "manifest.json", System.Text.Encoding.UTF8.GetBytes(manifest.ToJsonString()));

        using var loaded = ExpressionModel.Load(PathOf("m.fermodel"));

        Assert.Equal(2, loaded.Manifest.FormatVersion);
        Assert.Equal(FaceFraming.DetectorBox, loaded.Framing);
    }

    [Fact]
    public void Version_1_files_with_float32_weights_still_load()
    {
        using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 3);
        model.Save(PathOf("m.fermodel"));
        var manifest = System.Text.Encoding.UTF8.GetString(TestArchives.ReadEntry(PathOf("m.fermodel"), "manifest.json"));
        TestArchives.ReplaceEntry(PathOf("m.fermodel"), "manifest.json", System.Text.Encoding.UTF8.GetBytes(ReplaceFirst(manifest, "\"FormatVersion\": 3", "\"FormatVersion\": 1")));

        using var loaded = ExpressionModel.Load(PathOf("m.fermodel"));

        Assert.Equal(1, loaded.Manifest.FormatVersion);
        Assert.Equal(model.Fingerprint(), loaded.Fingerprint());
    }

    [Fact]
    public void General_replay_features_round_trip_in_half_precision_and_stay_tied_to_the_weights()
    {
        using var model = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 3);
        var faces = FaceDatasetOf(Faces(20), 20);
        model.AttachGeneralReplay(faces);
        model.Save(PathOf("replay.fermodel"));

        using var loaded = ExpressionModel.Load(PathOf("replay.fermodel"));

        var replay = Assert.IsType<FaceFeatures>(loaded.GeneralReplay);
        Assert.Equal(faces.Labels, replay.LabelList);
        Assert.Equal(model.GeneralReplay!.Values, replay.Values, (a, b) => Math.Abs(a - b) <= (Math.Abs(a) * 1e-3) + 1e-4);
        Assert.Equal(loaded.Fingerprint(), replay.ModelFingerprint);
        using var plain = ExpressionModelWithoutReplay();
        Assert.Null(plain.GeneralReplay);
    }

    [Fact]
    public void Replay_features_of_earlier_weights_are_not_saved()
    {
        using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 3);
        model.AttachGeneralReplay(FaceDatasetOf(Faces(8), 8));
        using (TorchSharp.torch.no_grad())
        {
            model.BeginWeightChanges(); // as the trainer does
            model.Network.Head.parameters().First().add_(1f);
            model.EndWeightChanges();
        }

        var error = Assert.Throws<InvalidOperationException>(() => model.Save(PathOf("stale.fermodel")));
        Assert.Contains("AttachGeneralReplay again", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(PathOf("stale.fermodel")));
    }

    [Theory]
    [InlineData(0, "truncated")]
    [InlineData(1, "holds 5 faces of 99 features")]
    [InlineData(2, "label outside 0–6")]
    public void Corrupt_replay_features_are_clear_errors(int damage, string problem)
    {
        using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 3);
        model.AttachGeneralReplay(FaceDatasetOf(Faces(5), 5));
        model.Save(PathOf("m.fermodel"));
        var replay = TestArchives.ReadEntry(PathOf("m.fermodel"), "replay.bin");
        switch (damage)
        {
            case 0: replay = replay[..(replay.Length - 3)]; break;
            case 1: BitConverter.TryWriteBytes(replay.AsSpan(4), 99); break;
            default: replay[8] = 7; break;
        }

        TestArchives.ReplaceEntry(PathOf("m.fermodel"), "replay.bin", replay);

        var error = Assert.Throws<ModelFormatException>(() => ExpressionModel.Load(PathOf("m.fermodel")));
        Assert.Contains("replay.bin", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    private ExpressionModel ExpressionModelWithoutReplay()
    {
        using (var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 3))
        {
            model.Save(PathOf("plain.fermodel"));
        }

        return ExpressionModel.Load(PathOf("plain.fermodel"));
    }

    private static FaceDataset FaceDatasetOf(byte[] pixels, int count) =>
        new(pixels, [.. Enumerable.Range(0, count).Select(i => (Expression)(i % Expressions.Count))]);

    private static string ReplaceFirst(string text, string find, string replace)
    {
        var at = text.IndexOf(find, StringComparison.Ordinal);
        return text[..at] + replace + text[(at + find.Length)..];
    }
}
