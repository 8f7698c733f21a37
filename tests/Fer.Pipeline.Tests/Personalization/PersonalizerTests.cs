using System.IO.Compression;
using System.Text.Json.Nodes;
using OpenCvSharp;
using PersonalFer.Data;
using PersonalFer.Detection;
using PersonalFer.Model;
using PersonalFer.Tests;
using DisposeScopeManager = TorchSharp.DisposeScopeManager;

namespace PersonalFer.Pipeline.Tests;

/// <summary>
/// Personalization. The mechanics (heads train, save, load, serve, leave the general model untouched, report,
/// cancel, release their tensors) are checked on a freshly initialized network, which is fast and independent of the
/// shipped weights, with samples made from the bundled photo, so they run anywhere. The accuracy gain is checked
/// with the shipped model on JAFFE-dev subjects (read from ../shared, never copied) and FER2013's PrivateTest split,
/// the one test here that needs the data sets.
/// </summary>
public sealed class PersonalizerTests : IDisposable
{
    // Measured on JAFFE-dev with the shipped model (docs/PERSONALIZATION.md), with a safety margin.
    private const double MinimumGain = 0.15;
    private const double MaximumForgetting = 0.05;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("fer-profile-");
    private readonly YuNetFaceDetector _detector = new();
    private readonly ExpressionModel _model = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 4);

    public void Dispose()
    {
        _detector.Dispose();
        _model.Dispose();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public void With_the_shipped_model_two_images_per_expression_beat_the_general_model_on_that_person_without_forgetting()
    {
        var paths = SharedFiles.RequireAll(SharedFiles.Fer2013CsvPath, SharedFiles.JaffeDevPath);
        using var model = ExpressionModel.LoadDefault();
        var pipeline = new ExpressionPipeline(_detector, model);
        var personalizer = new Personalizer(_detector, model, generalFaces: null);
        var privateTest = Fer2013.Load(paths[0]).PrivateTest;
        var generalOnFer = Evaluator.Evaluate(model, privateTest).Accuracy;
        int tested = 0, generalCorrect = 0, personalCorrect = 0;
        var forgetting = new List<double>();
        foreach (var subject in JaffeSubjects(paths[1]))
        {
            var images = JaffeSubject(paths[1], subject);
            var train = images.GroupBy(i => i.Label).SelectMany(g => g.Take(2)).ToList();
            using var profile = personalizer.FineTune(train, subject).Profile;
            foreach (var sample in images.Except(train))
            {
                tested++;
                generalCorrect += pipeline.Classify(sample.Image).Single().Expression == sample.Label ? 1 : 0;
                personalCorrect += pipeline.Classify(sample.Image, profile).Single().Expression == sample.Label ? 1 : 0;
            }

            forgetting.Add(Evaluator.Evaluate(model, privateTest, head: profile.Head).Accuracy);
        }

        var general = (double)generalCorrect / tested;
        var personal = (double)personalCorrect / tested;
        Assert.True(personal >= general + MinimumGain, $"personalized {personal:P1} vs general {general:P1} on {tested} held-out JAFFE images");
        Assert.All(forgetting, accuracy => Assert.True(accuracy >= generalOnFer - MaximumForgetting, $"FER2013 PrivateTest {accuracy:P1} with a profile vs {generalOnFer:P1} without"));
    }

    internal static IEnumerable<string> JaffeSubjects(string root) =>
        File.ReadLines(Path.Combine(root, "manifest.csv")).Skip(1).Select(line => line.Split(',')[1]).Distinct();

    internal static List<LabelledImage> JaffeSubject(string root, string subject) =>
        File.ReadLines(Path.Combine(root, "manifest.csv")).Skip(1)
            .Select(line => line.Split(','))
            .Where(f => f[1] == subject)
            .Select(f =>
            {
                var path = Path.Combine(root, f[0]);
                using var image = Cv2.ImRead(path, ImreadModes.Grayscale);
                image.GetArray(out byte[] pixels);
                return new LabelledImage(new ImageData(pixels, image.Width, image.Height, PixelFormat.Gray8), (Expression)int.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture), path);
            })
            .ToList();

    /// <summary>
    /// One "person"'s samples: the first <paramref name="count"/> variations of the bundled photo (whole frames),
    /// labelled in turn with the seven expressions starting at <paramref name="firstLabel"/>; two label offsets make
    /// two people who disagree about what each picture shows.
    /// </summary>
    private static List<LabelledImage> Samples(int count, int firstLabel = 0) =>
        [.. Enumerable.Range(0, count).Select(i =>
        {
            using var image = TestPhotos.Variant(i);
            return new LabelledImage(TestPhotos.ToImageData(image), (Expression)((firstLabel + i) % Expressions.Count), $"variant-{i}");
        })];

    /// <summary>A probe no sample above was made from.</summary>
    private static ImageData Probe()
    {
        using var image = TestPhotos.Variant(TestPhotos.VariantCount - 1);
        return TestPhotos.ToImageData(image);
    }

    /// <summary>The face box of every variation cut out as a crop, labelled in turn.</summary>
    private List<LabelledImage> FaceCrops() =>
        [.. Enumerable.Range(0, TestPhotos.VariantCount).Select(i =>
        {
            using var image = TestPhotos.Variant(i);
            var box = Assert.Single(_detector.Detect(image)).Box;
            using var crop = new Mat(image, new Rect(box.X, box.Y, box.Width, box.Height));
            return new LabelledImage(TestPhotos.ToImageData(crop), (Expression)(i % Expressions.Count), $"crop-{i}", IsFaceCrop: true);
        })];

    /// <summary>General faces to replay: the 48×48 model inputs of the variations, labelled in turn.</summary>
    private FaceDataset GeneralFaces()
    {
        var pixels = new byte[TestPhotos.VariantCount * FaceImage.PixelCount];
        var labels = new Expression[TestPhotos.VariantCount];
        for (var i = 0; i < TestPhotos.VariantCount; i++)
        {
            using var image = TestPhotos.Variant(i);
            FacePreprocessor.Extract(image, Assert.Single(_detector.Detect(image)), _model.Framing, pixels.AsSpan(i * FaceImage.PixelCount));
            labels[i] = (Expression)(i % Expressions.Count);
        }

        return new FaceDataset(pixels, labels);
    }

    [Fact]
    public void Profiles_save_and_load_atomically_and_serve_side_by_side()
    {
        var personalizer = new Personalizer(_detector, _model, GeneralFaces());
        var fingerprint = _model.Fingerprint();
        var firstResult = personalizer.FineTune(Samples(Expressions.Count), "first");
        using var first = firstResult.Profile;
        using var second = personalizer.FineTune(Samples(Expressions.Count, firstLabel: 3), "second").Profile;
        Assert.Equal(7, firstResult.FacesUsed);
        Assert.Equal(Enumerable.Repeat(1, 7), first.FacesPerExpression);
        Assert.Equal(fingerprint, _model.Fingerprint());
        var path = Path.Combine(_directory.FullName, "first.ferprofile");
        first.Save(path);
        using var loaded = PersonalProfile.Load(path, _model);

        var pipeline = new ExpressionPipeline(_detector, _model);
        var probe = Probe();
        var general = pipeline.Classify(probe).Single().Probabilities;
        var withFirst = pipeline.Classify(probe, first).Single().Probabilities;
        var withSecond = pipeline.Classify(probe, second).Single().Probabilities;

        Assert.Equal(withFirst, pipeline.Classify(probe, loaded).Single().Probabilities);
        Assert.Equal("first", loaded.Name);
        Assert.NotEqual(withFirst, withSecond);
        Assert.NotEqual(general, withFirst);
        Assert.Empty(Directory.GetFiles(_directory.FullName, "*.tmp"));
        var bytes = File.ReadAllBytes(path);
        // Head weights (about 2.4 MB) and, per face, its features with those of its jittered copies and mirrors.
        const int featureRowBytes = (2304 * sizeof(float)) + 5;
        var featureBytes = 7 * 2 * (1 + PersonalizationOptions.MaxJitteredCopiesPerFace) * featureRowBytes;
        Assert.True(bytes.Length < 3_000_000 + featureBytes, $"a profile holds head weights and features only, yet takes {bytes.Length} bytes");
    }

    [Fact]
    public void Profiles_for_other_weights_and_corrupt_files_are_rejected()
    {
        var personalizer = new Personalizer(_detector, _model, null);
        var samples = Samples(Expressions.Count);
        using var profile = personalizer.FineTune(samples, "someone").Profile;
        var path = Path.Combine(_directory.FullName, "someone.ferprofile");
        profile.Save(path);
        using var other = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 99);

        Assert.Contains("other general model weights", Assert.Throws<ProfileFormatException>(() => PersonalProfile.Load(path, other)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new ExpressionPipeline(_detector, other).Classify(samples[0].Image, profile));
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..100]);
        Assert.Contains("not a readable PersonalFer profile", Assert.Throws<ProfileFormatException>(() => PersonalProfile.Load(path, _model)).Message, StringComparison.Ordinal);
        Assert.Equal(path + ".none", Assert.Throws<FileNotFoundException>(() => PersonalProfile.Load(path + ".none", _model)).FileName);
    }

    [Fact]
    public void Profiles_trained_under_another_framing_are_refused()
    {
        var personalizer = new Personalizer(_detector, _model, null);
        var samples = Samples(Expressions.Count);
        using var profile = personalizer.FineTune(samples, "someone").Profile;
        Assert.Equal(_model.Framing, profile.Framing);
        var path = Path.Combine(_directory.FullName, "someone.ferprofile");
        profile.Save(path);

        // The same weights, declared to expect faces with a margin, eyes levelled.
        _model.Describe(m => m with { Framing = new FaceFraming { Margin = 0.15f, AlignEyes = true } });

        var error = Assert.Throws<ProfileFormatException>(() => PersonalProfile.Load(path, _model));
        Assert.Contains("framed as 'square box, margin 0 per side, not rotated'", error.Message, StringComparison.Ordinal);
        Assert.Contains("fine-tune it again", error.Message, StringComparison.Ordinal);
        var classifyError = Assert.Throws<ArgumentException>(() => new ExpressionPipeline(_detector, _model).Classify(samples[0].Image, profile));
        Assert.Contains("margin 0.15 per side, eyes levelled", classifyError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Profiles_from_before_framings_were_recorded_are_refused()
    {
        var personalizer = new Personalizer(_detector, _model, null);
        using var profile = personalizer.FineTune(Samples(Expressions.Count), "someone").Profile;
        var path = Path.Combine(_directory.FullName, "someone.ferprofile");
        profile.Save(path);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry("profile.json")!;
            JsonObject manifest;
            using (var stream = entry.Open())
            {
                manifest = JsonNode.Parse(stream)!.AsObject();
            }

            manifest.Remove("Framing");
            manifest["FormatVersion"] = 1;
            entry.Delete();
            using var writer = new StreamWriter(zip.CreateEntry("profile.json").Open());
            writer.Write(manifest.ToJsonString());
        }

        var error = Assert.Throws<ProfileFormatException>(() => PersonalProfile.Load(path, _model));
        Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("fine-tune it again from the person's photos", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_few_faces_and_faceless_samples_are_clear_errors()
    {
        var personalizer = new Personalizer(_detector, _model, null);
        var two = Samples(2);
        Assert.Contains("at least 5 are needed", Assert.Throws<PersonalizationException>(() => personalizer.FineTune(two, options: new PersonalizationOptions { MinimumFaces = 5 })).Message, StringComparison.Ordinal);
        personalizer.FineTune(two).Profile.Dispose(); // by default one face per given expression is enough

        var blank = new LabelledImage(new ImageData(new byte[320 * 240], 320, 240, PixelFormat.Gray8), Expression.Happy, "blank-wall.png");
        var samples = Samples(Expressions.Count).Append(blank).ToList();
        Assert.Contains("blank-wall.png", Assert.Throws<PersonalizationException>(() => personalizer.FineTune(samples)).Message, StringComparison.Ordinal);

        Assert.Equal("No face usable; a profile needs at least one labelled face.", Assert.Throws<PersonalizationException>(() => personalizer.FineTune([blank], options: new PersonalizationOptions { SkipSamplesWithoutFace = true })).Message);

        var skipped = personalizer.FineTune(samples, options: new PersonalizationOptions { SkipSamplesWithoutFace = true });
        using var profile = skipped.Profile;
        Assert.Equal(["blank-wall.png"], skipped.SamplesWithoutFace);
        Assert.Equal(7, skipped.FacesUsed);
    }

    [Fact]
    public void Face_crops_are_used_as_they_are_without_detection()
    {
        var crops = FaceCrops();
        using var noDetection = new FailingDetector();
        var personalizer = new Personalizer(noDetection, _model, null);
        var result = personalizer.FineTune(crops, "crops");
        using var profile = result.Profile;
        Assert.Equal(crops.Count, result.FacesUsed);
    }

    [Fact]
    public void FineTune_reports_every_sample_then_every_head_step_in_order()
    {
        var crops = FaceCrops();
        var personalizer = new Personalizer(_detector, _model, null);
        var reports = new List<PersonalizationProgress>();
        var options = new PersonalizationOptions { Head = new HeadTrainingOptions { Steps = 20 } };

        using var profile = personalizer.FineTune(crops, "progress", options, new CallbackProgress(reports.Add)).Profile;

        var expected = Enumerable.Range(1, crops.Count).Select(i => new PersonalizationProgress(PersonalizationStage.FindingFaces, i, crops.Count))
            .Concat(Enumerable.Range(1, 20).Select(i => new PersonalizationProgress(PersonalizationStage.TrainingHead, i, 20)));
        Assert.Equal(expected, reports);
    }

    [Fact]
    public void A_hundred_fine_tunes_and_a_cancelled_one_leave_no_tensors_behind()
    {
        var crops = FaceCrops();
        var personalizer = new Personalizer(_detector, _model, null);
        var options = new PersonalizationOptions { Head = new HeadTrainingOptions { Steps = 3 } };
        personalizer.FineTune(crops, "warm-up", options).Profile.Dispose();
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        // An exact count: one handle left per call would show (a fine-tune takes a fraction of a second, so not thousands).
        for (var i = 0; i < 100; i++)
        {
            personalizer.FineTune(crops, "user", options).Profile.Dispose();
        }

        using var cancellation = new CancellationTokenSource();
        var cancelDuringHeadTraining = new CallbackProgress(p =>
        {
            if (p.Stage == PersonalizationStage.TrainingHead && p.Completed == 2)
            {
                cancellation.Cancel();
            }
        });
        Assert.Throws<OperationCanceledException>(() => personalizer.FineTune(crops, "cancelled", options, cancelDuringHeadTraining, cancellation.Token));
        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    private sealed class CallbackProgress(Action<PersonalizationProgress> report) : IProgress<PersonalizationProgress>
    {
        public void Report(PersonalizationProgress value) => report(value);
    }

    /// <summary>A detector that fails the test if anything asks it for a face.</summary>
    private sealed class FailingDetector : IFaceDetector
    {
        public IReadOnlyList<DetectedFace> Detect(Mat frame) => throw new InvalidOperationException("a face crop went through detection");

        public IReadOnlyList<DetectedFace> Detect(ImageData frame) => throw new InvalidOperationException("a face crop went through detection");

        public void Dispose()
        {
        }
    }
}
