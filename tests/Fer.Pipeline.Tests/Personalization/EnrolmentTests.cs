using System.IO.Compression;
using System.Text.Json.Nodes;
using OpenCvSharp;
using PersonalFer.Data;
using PersonalFer.Detection;
using PersonalFer.Model;
using PersonalFer.Tests;

namespace PersonalFer.Pipeline.Tests;

/// <summary>
/// Enrolment as users do it: any few photos of any subset of expressions, profiles that grow from new photos without
/// the old ones, and feedback on what to capture again. Checked on the bundled photo with the shipped model (runs
/// anywhere) and on JAFFE-dev subjects (read from ../shared, never copied; skipped when absent).
/// </summary>
public sealed class EnrolmentTests(ITestOutputHelper output) : IDisposable
{
    // A grown profile and one trained on all photos at once see the same feature rows in the same order with the same
    // seed; only the feature extractor's batching differs (a few ulp), so their probabilities agree to this.
    private const float GrownTolerance = 1e-3f;

    private static readonly Expression[] ThreeGiven = [Expression.Angry, Expression.Happy, Expression.Sad];

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("fer-enrolment-");
    private readonly YuNetFaceDetector _detector = new();
    private readonly ExpressionModel _model = ExpressionModel.LoadDefault();

    public void Dispose()
    {
        _detector.Dispose();
        _model.Dispose();
        _directory.Delete(recursive: true);
    }

    private static LabelledImage Variant(int index, Expression label)
    {
        using var image = TestPhotos.Variant(index);
        return new LabelledImage(TestPhotos.ToImageData(image), label, $"variant-{index}");
    }

    [Fact]
    public void One_photo_each_of_three_expressions_makes_a_profile()
    {
        var personalizer = new Personalizer(_detector, _model, generalFaces: null);
        var samples = ThreeGiven.Select((label, i) => Variant(i, label)).ToList();

        var result = personalizer.FineTune(samples, "three");
        using var profile = result.Profile;

        Assert.Equal(3, result.FacesUsed);
        Assert.Equal([1, 0, 0, 1, 1, 0, 0], profile.FacesPerExpression);
        Assert.Equal(ThreeGiven, result.Separation.Select(s => s.Expression));
        Assert.All(result.Separation, s => Assert.Equal(1, s.Faces));
        Assert.All(result.Separation, s => Assert.Null(s.LeaveOneOutAccuracy)); // one face has nothing to be compared against
        var pipeline = new ExpressionPipeline(_detector, _model);
        using var probe = TestPhotos.Variant(TestPhotos.VariantCount - 1);
        Assert.NotEqual(pipeline.Classify(probe).Single().Probabilities, pipeline.Classify(probe, profile).Single().Probabilities);

        // A minimum asked for is still enforced, and the error says where it comes from.
        var error = Assert.Throws<PersonalizationException>(() => personalizer.FineTune(samples, options: new PersonalizationOptions { MinimumFaces = 5 }));
        Assert.Contains("3 face(s) usable; at least 5 are needed", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(PersonalizationOptions.MinimumFaces), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_photo_labelled_as_three_expressions_is_reported_as_look_alike()
    {
        // What a user who never changes their face during enrolment gives (the web app's fake camera does so).
        var personalizer = new Personalizer(_detector, _model, generalFaces: null);
        var samples = ThreeGiven.Select(label => Variant(0, label)).ToList();

        var result = personalizer.FineTune(samples, "same-face");
        using var profile = result.Profile;
        foreach (var s in result.Separation)
        {
            output.WriteLine($"{s}");
        }

        var alike = result.Warnings.Where(w => w.Kind == EnrolmentWarningKind.ExpressionsLookAlike).ToList();
        Assert.Equal([[Expression.Angry, Expression.Happy], [Expression.Angry, Expression.Sad], [Expression.Happy, Expression.Sad]], alike.Select(w => w.Expressions));
        Assert.All(alike, w => Assert.Equal(2, w.Expressions.Count));
        Assert.All(alike, w => Assert.Contains("look alike", w.Message, StringComparison.Ordinal));
        Assert.All(result.Separation, s => Assert.True(s.Similarity > 0.99, $"{s}"));
    }

    [Fact]
    public void A_face_smaller_than_the_model_input_is_reported_with_its_photo()
    {
        var personalizer = new Personalizer(_detector, _model, generalFaces: null);
        using var photo = TestPhotos.Variant(0);
        var box = Assert.Single(_detector.Detect(photo)).Box;
        using var face = new Mat(photo, new Rect(box.X, box.Y, box.Width, box.Height));
        using var small = face.Resize(new Size(40, 40), interpolation: InterpolationFlags.Area);
        var samples = new List<LabelledImage>
        {
            Variant(0, Expression.Happy),
            new(TestPhotos.ToImageData(small), Expression.Neutral, "far-away.png", IsFaceCrop: true),
        };

        var result = personalizer.FineTune(samples, "small");
        using var profile = result.Profile;

        var warning = Assert.Single(result.Warnings, w => w.Kind == EnrolmentWarningKind.FaceTooSmall);
        Assert.Equal("far-away.png", warning.Source);
        Assert.Equal([Expression.Neutral], warning.Expressions);
        Assert.Contains("far-away.png", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_profile_grown_from_new_photos_ends_where_one_trained_on_all_photos_does()
    {
        var personalizer = new Personalizer(_detector, _model, generalFaces: null);
        var first = Enumerable.Range(0, 5).Select(i => Variant(i, (Expression)(i % Expressions.Count))).ToList();
        var second = Enumerable.Range(5, 4).Select(i => Variant(i, (Expression)(i % Expressions.Count))).ToList();

        // The first profile goes through a file: growing needs nothing but what the profile kept.
        // Every call gives each face the most jittered copies, so both ways train on the same crops.
        var options = new PersonalizationOptions { JitteredCopies = 9 * PersonalizationOptions.MaxJitteredCopiesPerFace };
        var path = Path.Combine(_directory.FullName, "first.ferprofile");
        using (var started = personalizer.FineTune(first, "grows", options).Profile)
        {
            Assert.True(started.CanGrow);
            started.Save(path);
        }

        using var loaded = PersonalProfile.Load(path, _model);
        var grownResult = personalizer.FineTune(loaded, second, options);
        using var grown = grownResult.Profile;
        using var grownAsync = (await personalizer.FineTuneAsync(loaded, second, options, cancellationToken: TestContext.Current.CancellationToken)).Profile;
        using var together = personalizer.FineTune([.. first, .. second], "together", options).Profile;

        Assert.Equal(4, grownResult.FacesUsed);
        Assert.Equal("grows", grown.Name);
        Assert.Equal(together.FacesPerExpression, grown.FacesPerExpression);
        Assert.Equal(9, grown.FacesPerExpression.Sum());
        Assert.Equal(Expressions.Count, grownResult.Separation.Count);
        var pipeline = new ExpressionPipeline(_detector, _model);
        for (var i = 0; i < TestPhotos.VariantCount; i++)
        {
            using var probe = TestPhotos.Variant(i);
            var expected = pipeline.Classify(probe, together).Single();
            var actual = pipeline.Classify(probe, grown).Single();
            Assert.Equal(expected.Expression, actual.Expression);
            Assert.All(expected.Probabilities.Zip(actual.Probabilities), p => Assert.Equal(p.First, p.Second, GrownTolerance));
            Assert.Equal(actual.Probabilities, pipeline.Classify(probe, grownAsync).Single().Probabilities);
        }

        // The grown profile saves and grows again.
        var grownPath = Path.Combine(_directory.FullName, "grown.ferprofile");
        grown.Save(grownPath);
        using var reloaded = PersonalProfile.Load(grownPath, _model);
        Assert.Equal(grown.FacesPerExpression, reloaded.FacesPerExpression);
        Assert.True(reloaded.CanGrow);
    }

    [Fact]
    public void A_profile_from_before_profiles_kept_features_loads_serves_and_refuses_to_grow()
    {
        var personalizer = new Personalizer(_detector, _model, generalFaces: null);
        var samples = Enumerable.Range(0, 3).Select(i => Variant(i, ThreeGiven[i])).ToList();
        using var profile = personalizer.FineTune(samples, "old").Profile;
        var path = Path.Combine(_directory.FullName, "old.ferprofile");
        profile.Save(path);
        Rewrite(path, manifest => manifest["FormatVersion"] = 2, dropFeatures: true);

        using var old = PersonalProfile.Load(path, _model);
        Assert.False(old.CanGrow);
        var pipeline = new ExpressionPipeline(_detector, _model);
        Assert.Equal(pipeline.Classify(samples[0].Image, profile).Single().Probabilities, pipeline.Classify(samples[0].Image, old).Single().Probabilities);
        var error = Assert.Throws<PersonalizationException>(() => personalizer.FineTune(old, samples));
        Assert.Contains("fine-tune it again from the person's photos", error.Message, StringComparison.Ordinal);

        // Saved again, it stays a version 2 file without features, which loads.
        using var again = SavedWithoutFeatures(old, "resaved.ferprofile");
    }

    [Fact]
    public void Without_kept_features_a_profile_stores_head_weights_only_serves_the_same_and_refuses_to_grow()
    {
        var personalizer = new Personalizer(_detector, _model, generalFaces: null);
        var samples = Enumerable.Range(0, 3).Select(i => Variant(i, ThreeGiven[i])).ToList();
        using var keeping = personalizer.FineTune(samples, "keeps").Profile;
        using var headOnly = personalizer.FineTune(samples, "head only", new PersonalizationOptions { KeepFeatures = false }).Profile;

        Assert.False(headOnly.CanGrow);
        Assert.Equal(keeping.FacesPerExpression, headOnly.FacesPerExpression);
        var pipeline = new ExpressionPipeline(_detector, _model);
        Assert.Equal(pipeline.Classify(samples[0].Image, keeping).Single().Probabilities, pipeline.Classify(samples[0].Image, headOnly).Single().Probabilities);
        var error = Assert.Throws<PersonalizationException>(() => personalizer.FineTune(headOnly, samples));
        Assert.Contains("KeepFeatures off", error.Message, StringComparison.Ordinal);

        using var loaded = SavedWithoutFeatures(headOnly, "head-only.ferprofile");
        Assert.Equal(pipeline.Classify(samples[0].Image, headOnly).Single().Probabilities, pipeline.Classify(samples[0].Image, loaded).Single().Probabilities);
    }

    [Fact]
    public void Jittered_copies_are_kept_with_their_face_and_are_the_same_for_the_same_photo()
    {
        var personalizer = new Personalizer(_detector, _model, generalFaces: null);
        var photo = Variant(0, Expression.Happy);
        using var one = personalizer.FineTune([photo], "one").Profile;
        using var again = personalizer.FineTune([photo], "again").Profile;
        using var plain = personalizer.FineTune([photo], "plain", new PersonalizationOptions { JitteredCopies = 0 }).Profile;
        using var fewer = personalizer.FineTune([photo, Variant(1, Expression.Sad)], "fewer", new PersonalizationOptions { JitteredCopies = 6 }).Profile;

        // The face and its 16 copies, each with its mirror image, all numbered as the one face.
        Assert.Equal(2 * (1 + PersonalizationOptions.MaxJitteredCopiesPerFace), one.Features!.Rows);
        Assert.All(one.Features.Faces, face => Assert.Equal(0, face));
        Assert.Equal(one.Features.Values, again.Features!.Values);
        Assert.Equal(2, plain.Features!.Rows);
        // The face's own rows come first, as without copies (up to the extractor's batching, a few ulp).
        Assert.All(plain.Features.Values.Zip(one.Features.Values), pair => Assert.Equal(pair.First, pair.Second, 1e-3f));
        // The copies differ from the face: they are other crops, not duplicates.
        var length = one.Features.Length;
        Assert.NotEqual(one.Features.Values.AsSpan(0, length).ToArray(), one.Features.Values.AsSpan(2 * length, length).ToArray());
        // Six copies shared by two faces: three each.
        Assert.Equal(2 * 2 * (1 + 3), fewer.Features!.Rows);
        Assert.Equal([1, 1], fewer.FacesPerExpression.Where(count => count > 0));
    }

    [Fact]
    public void A_jittered_box_still_overlaps_the_frame()
    {
        var random = new Random(1);
        foreach (var box in new[] { new FaceBox(-99, 10, 100, 100), new FaceBox(639, 479, 100, 100), new FaceBox(0, 0, 1, 1) })
        {
            for (var i = 0; i < 200; i++)
            {
                var moved = FaceJitter.Box(box, 640, 480, random);
                Assert.True(moved.X + moved.Width > 0 && moved.Y + moved.Height > 0 && moved.X < 640 && moved.Y < 480, $"{box} moved to {moved}");
                Assert.True(moved.Width > 0 && moved.Height > 0, $"{box} moved to {moved}");
            }
        }
    }

    [Fact]
    public void Kept_features_are_checked_strictly()
    {
        var personalizer = new Personalizer(_detector, _model, generalFaces: null);
        using var profile = personalizer.FineTune([Variant(0, Expression.Happy), Variant(1, Expression.Sad)], "strict").Profile;
        var path = Path.Combine(_directory.FullName, "strict.ferprofile");
        profile.Save(path);
        var original = File.ReadAllBytes(path);

        string Refusal(Func<JsonObject, JsonNode?>? manifest = null, bool dropFeatures = false, Func<byte[], byte[]>? features = null)
        {
            File.WriteAllBytes(path, original);
            Rewrite(path, manifest ?? (static m => m), dropFeatures, features);
            return Assert.Throws<ProfileFormatException>(() => PersonalProfile.Load(path, _model)).Message;
        }

        Assert.Contains("format version 3 requires features.bin, which is missing", Refusal(dropFeatures: true), StringComparison.Ordinal);
        Assert.Contains("format version 2 holds no features.bin", Refusal(m => m["FormatVersion"] = 2), StringComparison.Ordinal);
        Assert.Contains("format version 4 is not supported", Refusal(m => m["FormatVersion"] = 4), StringComparison.Ordinal);
        Assert.Contains("features.bin: holds faces [0, 0, 0, 1, 1, 0, 0] per expression, but the manifest counts [0, 0, 0, 1, 0, 1, 0]",
            Refusal(m => m["FacesPerExpression"] = new JsonArray(0, 0, 0, 1, 0, 1, 0)), StringComparison.Ordinal);
        Assert.Contains("features.bin: is ", Refusal(features: f => f[..^4]), StringComparison.Ordinal);
        Assert.Contains("features.bin: holds 2305 features per face", Refusal(features: f => { var c = (byte[])f.Clone(); c[4] = 0x01; c[5] = 0x09; return c; }), StringComparison.Ordinal);
        Assert.Contains("is not a finite number", Refusal(features: f => { var c = (byte[])f.Clone(); c[^1] = 0x7F; c[^2] = 0xC0; return c; }), StringComparison.Ordinal);
        Assert.Contains("row 0 is labelled 9", Refusal(features: f => { var c = (byte[])f.Clone(); c[8] = 9; return c; }), StringComparison.Ordinal);
        Assert.Contains("outside the 2 faces", Refusal(features: f => { var c = (byte[])f.Clone(); c[9] = 7; return c; }), StringComparison.Ordinal);
    }

    [Fact]
    public void On_JAFFE_expressions_a_person_did_not_give_keep_the_general_models_accuracy()
    {
        var jaffe = SharedFiles.JaffeDev;
        var personalizer = new Personalizer(_detector, _model, generalFaces: null);
        var pipeline = new ExpressionPipeline(_detector, _model);
        int tested = 0, general = 0, personal = 0, givenTested = 0, givenGeneral = 0, givenPersonal = 0;
        foreach (var subject in PersonalizerTests.JaffeSubjects(jaffe))
        {
            var images = PersonalizerTests.JaffeSubject(jaffe, subject);
            var train = images.Where(i => ThreeGiven.Contains(i.Label)).GroupBy(i => i.Label).Select(g => g.First()).ToList();
            var result = personalizer.FineTune(train, subject);
            using var profile = result.Profile;
            Assert.Equal(3, result.FacesUsed);
            foreach (var sample in images.Except(train))
            {
                var g = pipeline.Classify(sample.Image).Single().Expression == sample.Label ? 1 : 0;
                var p = pipeline.Classify(sample.Image, profile).Single().Expression == sample.Label ? 1 : 0;
                if (ThreeGiven.Contains(sample.Label))
                {
                    (givenTested, givenGeneral, givenPersonal) = (givenTested + 1, givenGeneral + g, givenPersonal + p);
                }
                else
                {
                    (tested, general, personal) = (tested + 1, general + g, personal + p);
                }
            }
        }

        output.WriteLine($"not given: general {general}/{tested}, profile {personal}/{tested}; given: general {givenGeneral}/{givenTested}, profile {givenPersonal}/{givenTested}");
        Assert.True(personal >= general - (0.02 * tested), $"on expressions not given the profile got {personal}/{tested}, the general model {general}/{tested}");
        Assert.True(givenPersonal > givenGeneral, $"on the given expressions the profile got {givenPersonal}/{givenTested}, the general model {givenGeneral}/{givenTested}");
    }

    [Fact]
    public void On_JAFFE_a_profile_grown_photo_by_photo_matches_one_trained_at_once_and_reports_separation()
    {
        var jaffe = SharedFiles.JaffeDev;
        var personalizer = new Personalizer(_detector, _model, generalFaces: null);
        var pipeline = new ExpressionPipeline(_detector, _model);
        int tested = 0, agreeing = 0;
        var largest = 0f;
        foreach (var subject in PersonalizerTests.JaffeSubjects(jaffe))
        {
            var images = PersonalizerTests.JaffeSubject(jaffe, subject);
            var first = images.GroupBy(i => i.Label).Select(g => g.First()).ToList();
            var second = images.GroupBy(i => i.Label).Select(g => g.Skip(1).First()).ToList();
            // Each face gets the most jittered copies in every call, so both ways train on the same crops.
            var options = new PersonalizationOptions { JitteredCopies = 2 * Expressions.Count * PersonalizationOptions.MaxJitteredCopiesPerFace };
            using var started = personalizer.FineTune(first, subject, options).Profile;
            var grownResult = personalizer.FineTune(started, second, options);
            using var grown = grownResult.Profile;
            var togetherResult = personalizer.FineTune([.. first, .. second], subject, options);
            using var together = togetherResult.Profile;

            Assert.Equal(Expressions.Count, grownResult.Separation.Count);
            Assert.All(grownResult.Separation, s => Assert.NotNull(s.LeaveOneOutAccuracy));
            Assert.Equal(togetherResult.Separation.Select(s => s.LeaveOneOutAccuracy), grownResult.Separation.Select(s => s.LeaveOneOutAccuracy));
            output.WriteLine($"{subject}: {string.Join("; ", grownResult.Separation.Select(s => $"{s.Expression} {s.LeaveOneOutAccuracy:P0} closest {s.ClosestExpression} {s.Similarity:F2}"))}");
            output.WriteLine($"{subject} warnings: {string.Join(" | ", grownResult.Warnings.Select(w => w.Message))}");
            foreach (var sample in images.Except(first).Except(second))
            {
                var expected = pipeline.Classify(sample.Image, together).Single();
                var actual = pipeline.Classify(sample.Image, grown).Single();
                tested++;
                agreeing += expected.Expression == actual.Expression ? 1 : 0;
                largest = Math.Max(largest, expected.Probabilities.Zip(actual.Probabilities).Max(p => Math.Abs(p.First - p.Second)));
            }
        }

        output.WriteLine($"{agreeing}/{tested} held-out images agree, largest probability difference {largest}");
        Assert.Equal(tested, agreeing);
        Assert.True(largest <= GrownTolerance, $"probabilities differ by up to {largest}");
    }

    /// <summary>Saves a profile that keeps no features and loads it back: only its manifest and head are written.</summary>
    private PersonalProfile SavedWithoutFeatures(PersonalProfile profile, string fileName)
    {
        var path = Path.Combine(_directory.FullName, fileName);
        profile.Save(path);
        using (var zip = ZipFile.OpenRead(path))
        {
            Assert.Equal(["head.bin", "profile.json"], zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        }

        var loaded = PersonalProfile.Load(path, _model);
        Assert.False(loaded.CanGrow);
        return loaded;
    }

    /// <summary>Rewrites a saved profile's manifest (and optionally drops or changes features.bin) in place.</summary>
    private static void Rewrite(string path, Func<JsonObject, JsonNode?> manifest, bool dropFeatures, Func<byte[], byte[]>? features = null)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        var entry = zip.GetEntry("profile.json")!;
        JsonObject json;
        using (var stream = entry.Open())
        {
            json = JsonNode.Parse(stream)!.AsObject();
        }

        manifest(json);
        entry.Delete();
        using (var writer = new StreamWriter(zip.CreateEntry("profile.json").Open()))
        {
            writer.Write(json.ToJsonString());
        }

        var stored = zip.GetEntry("features.bin")!;
        if (dropFeatures)
        {
            stored.Delete();
        }
        else if (features is not null)
        {
            byte[] content;
            using (var stream = stored.Open())
            using (var copy = new MemoryStream())
            {
                stream.CopyTo(copy);
                content = copy.ToArray();
            }

            stored.Delete();
            using var target = zip.CreateEntry("features.bin").Open();
            target.Write(features(content));
        }
    }
}
