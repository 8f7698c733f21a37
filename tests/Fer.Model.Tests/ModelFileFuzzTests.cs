using System.Text;
using System.Text.Json;
using CsCheck;
using PersonalFer.Tests;

namespace PersonalFer.Model.Tests;

/// <summary>
/// The <c>.fermodel</c> reader fuzzed from valid files: a VggBn model made here (float32 weights and general replay)
/// and the bundled seed model (half-precision weights). Manifests are mutated at the JSON level and weight and replay
/// entries in their structure, re-zipped so that the zip is valid and its content wrong; whole files get flipped
/// bytes, cuts, and missing, repeated or unexpected entries. Whatever loads must save, load back the same and predict
/// finite probabilities; everything else must be refused with a <see cref="ModelFormatException"/> naming the file.
/// A failure prints the CsCheck seed that reproduces it.
/// </summary>
public sealed class ModelFileFuzzTests(ValidModelFiles files) : IClassFixture<ValidModelFiles>
{
    [Fact]
    public void Mutated_manifests_are_refused_with_a_ModelFormatException_unless_they_are_valid()
    {
        // Without weights nothing can load, so this checks thousands of manifests cheaply: each is refused for itself
        // or, when valid, for the weights it lacks.
        var manifest = ManifestOf(files.Float32);
        var tally = new FuzzTally();
        JsonMutations.Mutations.Sample(
            mutations =>
            {
                var file = TestArchives.Write([(ModelFile.ManifestEntry, Encoding.UTF8.GetBytes(JsonMutations.Apply(manifest, mutations)))]);
                var error = Assert.Throws<ModelFormatException>(() => Load(file, _ => { }));
                if (error.Problem.StartsWith("has no weights.bin", StringComparison.Ordinal))
                {
                    tally.CountLoaded();
                }
                else
                {
                    tally.CountRefused();
                }
            },
            iter: 3000,
            print: Print);
        tally.AssertBoth();
    }

    [Fact]
    public void Mutated_manifests_beside_their_weights_load_back_or_are_refused()
    {
        var entries = TestArchives.Read(files.Float32);
        var manifest = ManifestOf(files.Float32);
        var tally = new FuzzTally();
        JsonMutations.Mutations.Sample(
            mutations => LoadsBackOrIsRefused(TestArchives.WithEntry(entries, ModelFile.ManifestEntry, Encoding.UTF8.GetBytes(JsonMutations.Apply(manifest, mutations))), tally),
            iter: 60,
            print: Print);
        tally.AssertBoth();
    }

    [Theory]
    [InlineData(ModelFile.WeightsEntry)]
    [InlineData(ModelFile.HalfWeightsEntry)]
    public void Mutated_weights_load_back_or_are_refused(string entry)
    {
        var (file, layout) = entry == ModelFile.WeightsEntry ? (files.Float32, TensorLayout.StateDict) : (files.Float16, TensorLayout.Half);
        var entries = TestArchives.Read(file);
        var weights = entries.Single(e => e.Name == entry).Content;
        var tally = new FuzzTally();
        TensorFiles.Mutations(TensorFiles.Parse(weights, layout).Count).Sample(
            mutation => LoadsBackOrIsRefused(TestArchives.WithEntry(entries, entry, TensorFiles.Apply(weights, layout, mutation)), tally),
            iter: 60);
        tally.AssertBoth();
    }

    [Fact]
    public void Mutated_replay_features_load_back_or_are_refused()
    {
        var entries = TestArchives.Read(files.Float32);
        var replay = entries.Single(e => e.Name == ModelFile.ReplayEntry).Content;
        var tally = new FuzzTally();
        Gen.Select(Gen.Int[0, 7], TensorFiles.Numbers, Gen.Int[0, int.MaxValue]).Sample(
            (kind, number, position) => LoadsBackOrIsRefused(TestArchives.WithEntry(entries, ModelFile.ReplayEntry, DamageReplay(replay, kind, number, position)), tally),
            iter: 60);
        tally.AssertBoth();
    }

    [Fact]
    public void Damaged_archives_load_back_or_are_refused()
    {
        var headers = TestArchives.HeaderOffsets(files.Float32);
        var entries = TestArchives.Read(files.Float32);
        var tally = new FuzzTally();
        Gen.Select(Gen.Int[0, TestArchives.DamageKinds - 1], Gen.Int[0, int.MaxValue], Gen.Int[1, 255]).Sample(
            (kind, position, value) => LoadsBackOrIsRefused(TestArchives.Damage(files.Float32, entries, headers, kind, position, value), tally),
            iter: 250);
        tally.AssertBoth();
    }

    // replay.bin: int32 count, int32 feature length, a label byte per face, fp16 values.
    private static byte[] DamageReplay(byte[] replay, int kind, long number, int position)
    {
        var damaged = (byte[])replay.Clone();
        var count = BitConverter.ToInt32(replay, 0);
        var values = (replay.Length - 8 - count) / 2;
        switch (kind)
        {
            case 0:
                BitConverter.TryWriteBytes(damaged.AsSpan(0), (int)number);
                return damaged;
            case 1:
                BitConverter.TryWriteBytes(damaged.AsSpan(4), (int)number);
                return damaged;
            case 2:
                damaged[8 + (position % count)] = (byte)number;
                return damaged;
            case 3:
                return replay[..(position % replay.Length)];
            case 4:
                return [.. replay, .. new byte[1 + (position % 8)]];
            case 5:
                BitConverter.TryWriteBytes(damaged.AsSpan(8 + count + (2 * (position % values))), (number % 3) switch { 0 => Half.NaN, 1 => Half.PositiveInfinity, _ => Half.NegativeInfinity });
                return damaged;
            case 6:
                BitConverter.TryWriteBytes(damaged.AsSpan(8 + count + (2 * (position % values))), (Half)((number % 1000) / 100f));
                return damaged;
            default:
                damaged[position % 8] ^= (byte)(1 + (number & 0xFE));
                return damaged;
        }
    }

    private void LoadsBackOrIsRefused(byte[] file, FuzzTally tally)
    {
        try
        {
            Load(file, model =>
            {
                tally.CountLoaded();
                LoadsBack(model);
            });
        }
        catch (ModelFormatException)
        {
            tally.CountRefused();
        }
    }

    /// <summary>Loads <paramref name="file"/> and hands the model to <paramref name="use"/>; a refusal must name the file.</summary>
    private void Load(byte[] file, Action<ExpressionModel> use)
    {
        var path = files.Write(file);
        try
        {
            ExpressionModel model;
            try
            {
                model = ExpressionModel.Load(path);
            }
            catch (ModelFormatException e)
            {
                Assert.Equal(path, e.File);
                Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
                throw;
            }

            using (model)
            {
                use(model);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>What loaded saves, and loads back with the same manifest, weights, replay and finite predictions.</summary>
    private void LoadsBack(ExpressionModel model)
    {
        var path = files.NewPath();
        try
        {
            model.Save(path);
            using var again = ExpressionModel.Load(path);
            Assert.Equal(ManifestText(model.Manifest), ManifestText(again.Manifest));
            Assert.Equal(model.Fingerprint(), again.Fingerprint());
            Assert.Equal(model.GeneralReplay?.Values, again.GeneralReplay?.Values);
            var probabilities = model.PredictProbabilities(files.Faces, ValidModelFiles.FaceCount);
            Assert.All(probabilities, p => Assert.True(float.IsFinite(p), $"probability {p}"));
            Assert.Equal(probabilities, again.PredictProbabilities(files.Faces, ValidModelFiles.FaceCount));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string ManifestOf(byte[] file) =>
        Encoding.UTF8.GetString(TestArchives.Read(file).Single(e => e.Name == ModelFile.ManifestEntry).Content);

    private static string ManifestText(ModelManifest manifest) =>
        JsonSerializer.Serialize(manifest with { FormatVersion = ModelManifest.CurrentFormatVersion });

    private static string Print(JsonMutation[] mutations) => string.Join("; ", mutations.Select(m => m.ToString()));
}
