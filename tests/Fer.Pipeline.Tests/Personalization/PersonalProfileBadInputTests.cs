using System.Text;
using System.Text.Json.Nodes;
using PersonalFer.Model;
using PersonalFer.Tests;

namespace PersonalFer.Pipeline.Tests;

/// <summary>
/// One example of each kind of bad profile file the reader refuses with a <see cref="ProfileFormatException"/>
/// naming the file and the field (docs/reliability-storage-cases.md lists them), of a disposed profile or model
/// refusing use, and of names and heads a profile refuses to store. <see cref="PersonalProfileFuzzTests"/> covers
/// the space between.
/// </summary>
public sealed class PersonalProfileBadInputTests(ValidProfile valid) : IClassFixture<ValidProfile>
{
    private const string Delete = "(delete)";

    [Theory]
    [InlineData("BaseModelFingerprint", Delete, "missing required properties including: 'BaseModelFingerprint'")]
    [InlineData("BaseModelFingerprint", "null", "profile.json: BaseModelFingerprint '(null)' is not 64 lowercase hexadecimal digits")]
    [InlineData("BaseModelFingerprint", "\"abc\"", "profile.json: BaseModelFingerprint 'abc' is not 64 lowercase hexadecimal digits")]
    [InlineData("BaseModelFingerprint", "\"ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789\"", "is not 64 lowercase hexadecimal digits")]
    [InlineData("FacesPerExpression", Delete, "missing required properties including: 'FacesPerExpression'")]
    [InlineData("FacesPerExpression", "null", "profile.json: FacesPerExpression is missing")]
    [InlineData("FacesPerExpression", "[1, 1, 1]", "profile.json: FacesPerExpression has 3 counts, not one per expression (7)")]
    [InlineData("FacesPerExpression", "[1, 1, 1, -1, 1, 1, 1]", "profile.json: FacesPerExpression [1, 1, 1, -1, 1, 1, 1] has a negative count")]
    [InlineData("FacesPerExpression", "[0, 0, 0, 0, 0, 0, 0]", "adds up to no faces or more than 1,000,000")]
    [InlineData("FacesPerExpression", "[1, 1, 1, 1, 1, 1, 1e20]", "Path: $.FacesPerExpression[6]")]
    [InlineData("Name", "\"\"", "profile.json: the name is empty")]
    [InlineData("Name", "null", "profile.json: the name is empty")]
    [InlineData("Architecture", "\"Furious\"", "Path: $.Architecture")]
    [InlineData("Architecture", "1", "Path: $.Architecture")]
    [InlineData("Framing", Delete, "profile.json: Framing is missing")]
    [InlineData("Framing", "null", "profile.json: Framing is missing")]
    [InlineData("Framing", """{"Margin": 5}""", "must be in [0, 1] (Parameter 'Margin')")]
    [InlineData("Created", Delete, "missing required properties including: 'Created'")]
    [InlineData("Created", "\"0001-01-01T00:00:00+00:00\"", "profile.json: Created 0001-01-01T00:00:00.0000000+00:00 is not a plausible date")]
    [InlineData("FormatVersion", "4", "profile.json: format version 4 is not supported")]
    [InlineData("FormatVersion", "\"2\"", "Path: $.FormatVersion")]
    public void Each_invalid_field_is_named(string field, string json, string problem)
    {
        var error = Refused(WithManifest(manifest =>
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
    public void A_long_name_and_a_repeated_property_are_refused()
    {
        var manifest = Encoding.UTF8.GetString(TestArchives.Read(valid.File).Single(e => e.Name == "profile.json").Content);

        Refused(WithManifest(m => m["Name"] = new string('n', 300))).AssertSays("profile.json: the name has 300 characters (at most 256)");
        Refused(TestArchives.WithEntry(valid.File, "profile.json", Encoding.UTF8.GetBytes(manifest.Insert(1, "\"Name\": \"x\",")))).AssertSays("Duplicate property 'Name'");
    }

    [Fact]
    public void Random_head_weights_are_refused_naming_the_file_and_the_entry()
    {
        var random = new byte[5000];
        new Random(5).NextBytes(random);

        Refused(TestArchives.WithEntry(valid.File, "head.bin", random)).AssertSays("head.bin: The head weights do not fit a VggBn head or are corrupt: ");
    }

    [Theory]
    [InlineData("drop head.bin", "has no head.bin")]
    [InlineData("drop profile.json", "has no profile.json")]
    [InlineData("repeat head.bin", "holds head.bin twice")]
    [InlineData("add readme.txt", "holds an unexpected entry 'readme.txt'")]
    [InlineData("add faces/", "holds an unexpected entry 'faces/'")]
    public void Missing_repeated_and_unexpected_entries_are_refused(string change, string problem)
    {
        var entries = TestArchives.Read(valid.File);
        var (verb, name) = (change.Split(' ')[0], change.Split(' ')[1]);
        var changed = verb switch
        {
            "drop" => entries.Where(e => e.Name != name),
            "repeat" => [.. entries, entries.Single(e => e.Name == name)],
            _ => entries.Append((name, Array.Empty<byte>())),
        };

        Refused(TestArchives.Write(changed)).AssertSays(problem);
    }

    [Fact]
    public void Flipped_bytes_and_garbage_are_refused()
    {
        var stored = TestArchives.Write(TestArchives.Read(valid.File));
        stored[stored.Length / 2] ^= 0x10; // inside head.bin, stored as it is
        var garbage = new byte[3000];
        new Random(7).NextBytes(garbage);

        Refused(stored).AssertSays("head.bin is corrupt: its CRC-32 does not match its content");
        Refused(garbage).AssertSays("not a readable PersonalFer profile, or corrupt or truncated");
    }

    [Fact]
    public void A_disposed_profile_refuses_every_use_and_leaves_the_saved_file_whole()
    {
        var path = valid.Write(valid.File);
        var profile = PersonalProfile.Load(path, valid.Model);
        profile.Dispose();
        profile.Dispose();

        foreach (var use in new Action[]
        {
            () => profile.Save(path),
            () => _ = profile.Name,
            () => _ = profile.FacesPerExpression,
            () => _ = profile.Created,
            () => _ = profile.Framing,
            () => _ = profile.BaseModelFingerprint,
            () => _ = profile.Head,
        })
        {
            Assert.Equal(typeof(PersonalProfile).FullName, Assert.Throws<ObjectDisposedException>(use).ObjectName);
        }

        Assert.Equal(valid.File, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_disposed_model_loads_no_profile()
    {
        var path = valid.Write(valid.File);
        var model = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 4);
        model.Dispose();

        var error = Assert.Throws<ObjectDisposedException>(() => PersonalProfile.Load(path, model));

        Assert.Equal(typeof(ExpressionModel).FullName, error.ObjectName);
    }

    [Fact]
    public void A_missing_file_is_FileNotFoundException()
    {
        var path = valid.NewPath();

        Assert.Equal(path, Assert.Throws<FileNotFoundException>(() => PersonalProfile.Load(path, valid.Model)).FileName);
    }

    [Theory]
    [InlineData("Zoë 😀 \u202Eevil\t\"quoted\" \\ \u0000")]
    [InlineData(" x ")]
    public void Odd_but_well_formed_names_round_trip(string name)
    {
        using var profile = valid.FineTune(name);
        var path = valid.NewPath();
        profile.Save(path);

        using var loaded = PersonalProfile.Load(path, valid.Model);

        Assert.Equal(name, loaded.Name);
    }

    [Fact]
    public void Names_a_profile_could_not_store_are_refused_before_training()
    {
        // Built here: xUnit would turn a lone surrogate in InlineData into U+FFFD.
        var lone = "lone " + '\uD800' + " surrogate";

        Assert.ThrowsAny<ArgumentException>(() => valid.FineTune(lone)).AssertSays("is not well-formed Unicode");
        Assert.ThrowsAny<ArgumentException>(() => valid.FineTune(new string('n', 257))).AssertSays("the name has 257 characters (at most 256)");
        Assert.ThrowsAny<ArgumentException>(() => valid.FineTune(" "));
    }

    [Fact]
    public void A_save_that_fails_leaves_no_temporary_file()
    {
        var target = Directory.CreateDirectory(valid.NewPath()); // a folder where the file should go: the rename fails
        using var profile = PersonalProfile.Load(valid.Write(valid.File), valid.Model);

        var error = Record.Exception(() => profile.Save(target.FullName));

        Assert.True(error is IOException or UnauthorizedAccessException, $"{error}");
        Assert.Empty(Directory.GetFiles(target.Parent!.FullName, "*.tmp"));
    }

    private ProfileFormatException Refused(byte[] file)
    {
        var path = valid.Write(file);
        var error = Assert.Throws<ProfileFormatException>(() => PersonalProfile.Load(path, valid.Model));
        Assert.Equal(path, error.File);
        Assert.StartsWith($"{path}: ", error.Message, StringComparison.Ordinal);
        File.Delete(path);
        return error;
    }

    private byte[] WithManifest(Action<JsonObject> edit)
    {
        var manifest = JsonNode.Parse(TestArchives.Read(valid.File).Single(e => e.Name == "profile.json").Content)!.AsObject();
        edit(manifest);
        return TestArchives.WithEntry(valid.File, "profile.json", Encoding.UTF8.GetBytes(manifest.ToJsonString()));
    }
}
