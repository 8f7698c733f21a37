using System.Text;
using CsCheck;
using PersonalFer.Tests;

namespace PersonalFer.Pipeline.Tests;

/// <summary>
/// The profile reader fuzzed from a valid profile fine-tuned here: <c>profile.json</c> mutated at the JSON level and
/// <c>head.bin</c> in its structure, re-zipped so that the zip is valid and its content wrong, and whole files with
/// flipped bytes, cuts, and missing, repeated or unexpected entries. Whatever loads must save, load back the same
/// and predict finite probabilities; everything else must be refused with a <see cref="ProfileFormatException"/>
/// naming the file. A failure prints the CsCheck seed that reproduces it.
/// </summary>
public sealed class PersonalProfileFuzzTests(ValidProfile valid) : IClassFixture<ValidProfile>
{
    private const string ManifestEntry = "profile.json";
    private const string HeadEntry = "head.bin";

    [Fact]
    public void Mutated_manifests_load_back_or_are_refused()
    {
        var entries = TestArchives.Read(valid.File);
        var manifest = Encoding.UTF8.GetString(entries.Single(e => e.Name == ManifestEntry).Content);
        var tally = new FuzzTally();
        JsonMutations.Mutations.Sample(
            mutations => LoadsBackOrIsRefused(TestArchives.WithEntry(entries, ManifestEntry, Encoding.UTF8.GetBytes(JsonMutations.Apply(manifest, mutations))), tally),
            iter: 1500,
            print: mutations => string.Join("; ", mutations.Select(m => m.ToString())));
        tally.AssertBoth();
    }

    [Fact]
    public void Mutated_head_weights_load_back_or_are_refused()
    {
        var entries = TestArchives.Read(valid.File);
        var head = entries.Single(e => e.Name == HeadEntry).Content;
        var tally = new FuzzTally();
        TensorFiles.Mutations(TensorFiles.Parse(head, TensorLayout.StateDict).Count).Sample(
            mutation => LoadsBackOrIsRefused(TestArchives.WithEntry(entries, HeadEntry, TensorFiles.Apply(head, TensorLayout.StateDict, mutation)), tally),
            iter: 500);
        tally.AssertBoth();
    }

    [Fact]
    public void Damaged_archives_load_back_or_are_refused()
    {
        var entries = TestArchives.Read(valid.File);
        var headers = TestArchives.HeaderOffsets(valid.File);
        var tally = new FuzzTally();
        Gen.Select(Gen.Int[0, TestArchives.DamageKinds - 1], Gen.Int[0, int.MaxValue], Gen.Int[1, 255]).Sample(
            (kind, position, value) => LoadsBackOrIsRefused(TestArchives.Damage(valid.File, entries, headers, kind, position, value), tally),
            iter: 700);
        tally.AssertBoth();
    }

    private void LoadsBackOrIsRefused(byte[] file, FuzzTally tally)
    {
        var path = valid.Write(file);
        try
        {
            PersonalProfile profile;
            try
            {
                profile = PersonalProfile.Load(path, valid.Model);
            }
            catch (ProfileFormatException e)
            {
                Assert.Equal(path, e.File);
                Assert.StartsWith($"{path}: ", e.Message, StringComparison.Ordinal);
                tally.CountRefused();
                return;
            }

            using (profile)
            {
                tally.CountLoaded();
                LoadsBack(profile);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>What loaded saves, and loads back the same with finite predictions.</summary>
    private void LoadsBack(PersonalProfile profile)
    {
        var path = valid.NewPath();
        try
        {
            profile.Save(path);
            using var again = PersonalProfile.Load(path, valid.Model);
            Assert.Equal(profile.Name, again.Name);
            Assert.Equal(profile.FacesPerExpression, again.FacesPerExpression);
            Assert.Equal(profile.Created, again.Created);
            Assert.Equal(profile.Framing, again.Framing);
            var probabilities = valid.Model.PredictProbabilities(valid.Faces, ValidProfile.FaceCount, profile.Head);
            Assert.All(probabilities, p => Assert.True(float.IsFinite(p), $"probability {p}"));
            Assert.Equal(probabilities, valid.Model.PredictProbabilities(valid.Faces, ValidProfile.FaceCount, again.Head));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
