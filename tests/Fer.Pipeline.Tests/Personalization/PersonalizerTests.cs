using OpenCvSharp;
using PersonalFer.Data;
using PersonalFer.Detection;
using PersonalFer.Model;
using PersonalFer.Tests;
using DisposeScopeManager = TorchSharp.DisposeScopeManager;

namespace PersonalFer.Pipeline.Tests;

/// <summary>
/// Personalization on real faces: JAFFE-dev subjects (read from ../shared, never copied) and real FER2013 faces
/// for replay. The mechanics (heads train, save, load, serve, leave the general model untouched) are checked on a
/// freshly initialized network, which is fast and independent of the shipped weights; the accuracy gain is checked
/// with the shipped model.
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
        using var model = ExpressionModel.LoadDefault();
        var pipeline = new ExpressionPipeline(_detector, model);
        var personalizer = new Personalizer(_detector, model, generalFaces: null);
        var privateTest = Fer2013.Load(SharedFiles.Require("data/fer2013/fer2013.csv.gz")).PrivateTest;
        var generalOnFer = Evaluator.Evaluate(model, privateTest).Accuracy;
        int tested = 0, generalCorrect = 0, personalCorrect = 0;
        var forgetting = new List<double>();
        foreach (var subject in Subjects())
        {
            var images = Subject(subject);
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

    private static IEnumerable<string> Subjects() =>
        File.ReadLines(Path.Combine(SharedFiles.Require("data/jaffe-dev"), "manifest.csv")).Skip(1).Select(line => line.Split(',')[1]).Distinct();

    private static List<LabelledImage> Subject(string subject)
    {
        var root = SharedFiles.Require("data/jaffe-dev");
        return File.ReadLines(Path.Combine(root, "manifest.csv")).Skip(1)
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
    }

    private static FaceDataset GeneralFaces()
    {
        var all = Fer2013.Load(SharedFiles.Require("data/fer2013/fer2013.csv.gz")).Training;
        return all.Select(Enumerable.Range(0, 512).ToArray());
    }

    private static List<LabelledImage> FirstPerExpression(List<LabelledImage> images) =>
        images.GroupBy(i => i.Label).Select(g => g.First()).ToList();

    [Fact]
    public void Profiles_save_and_load_atomically_and_serve_side_by_side()
    {
        var personalizer = new Personalizer(_detector, _model, GeneralFaces());
        var fingerprint = _model.Fingerprint();
        var kaResult = personalizer.FineTune(FirstPerExpression(Subject("KA")), "KA");
        using var ka = kaResult.Profile;
        using var kl = personalizer.FineTune(FirstPerExpression(Subject("KL")), "KL").Profile;
        Assert.Equal(7, kaResult.FacesUsed);
        Assert.Equal(Enumerable.Repeat(1, 7), ka.FacesPerExpression);
        Assert.Equal(fingerprint, _model.Fingerprint());
        var path = Path.Combine(_directory.FullName, "ka.ferprofile");
        ka.Save(path);
        using var loaded = PersonalProfile.Load(path, _model);

        var pipeline = new ExpressionPipeline(_detector, _model);
        var probe = Subject("KA")[^1].Image;
        var general = pipeline.Classify(probe).Single().Probabilities;
        var withKa = pipeline.Classify(probe, ka).Single().Probabilities;
        var withKl = pipeline.Classify(probe, kl).Single().Probabilities;

        Assert.Equal(withKa, pipeline.Classify(probe, loaded).Single().Probabilities);
        Assert.Equal("KA", loaded.Name);
        Assert.NotEqual(withKa, withKl);
        Assert.NotEqual(general, withKa);
        Assert.Empty(Directory.GetFiles(_directory.FullName, "*.tmp"));
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length < 3_000_000, "a profile holds head weights only");
    }

    [Fact]
    public void Profiles_for_other_weights_and_corrupt_files_are_rejected()
    {
        var personalizer = new Personalizer(_detector, _model, null);
        using var profile = personalizer.FineTune(FirstPerExpression(Subject("KM")), "KM").Profile;
        var path = Path.Combine(_directory.FullName, "km.ferprofile");
        profile.Save(path);
        using var other = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 99);

        Assert.Contains("other general model weights", Assert.Throws<ProfileFormatException>(() => PersonalProfile.Load(path, other)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new ExpressionPipeline(_detector, other).Classify(FirstPerExpression(Subject("KM"))[0].Image, profile));
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..100]);
        Assert.Contains("not a readable PersonalFer profile", Assert.Throws<ProfileFormatException>(() => PersonalProfile.Load(path, _model)).Message, StringComparison.Ordinal);
        Assert.Contains("file not found", Assert.Throws<ProfileFormatException>(() => PersonalProfile.Load(path + ".none", _model)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_few_faces_and_faceless_samples_are_clear_errors()
    {
        var personalizer = new Personalizer(_detector, _model, null);
        var two = Subject("KR").Take(2).ToList();
        Assert.Contains("at least 5 are needed", Assert.Throws<PersonalizationException>(() => personalizer.FineTune(two)).Message, StringComparison.Ordinal);

        var blank = new LabelledImage(new ImageData(new byte[320 * 240], 320, 240, PixelFormat.Gray8), Expression.Happy, "blank-wall.png");
        var samples = FirstPerExpression(Subject("KR")).Append(blank).ToList();
        Assert.Contains("blank-wall.png", Assert.Throws<PersonalizationException>(() => personalizer.FineTune(samples)).Message, StringComparison.Ordinal);

        var skipped = personalizer.FineTune(samples, options: new PersonalizationOptions { SkipSamplesWithoutFace = true });
        using var profile = skipped.Profile;
        Assert.Equal(["blank-wall.png"], skipped.SamplesWithoutFace);
        Assert.Equal(7, skipped.FacesUsed);
    }

    [Fact]
    public void Face_crops_are_used_as_they_are()
    {
        var crops = RealCrops();
        var personalizer = new Personalizer(_detector, _model, null);
        var result = personalizer.FineTune(crops, "crops");
        using var profile = result.Profile;
        Assert.Equal(crops.Count, result.FacesUsed);
    }

    [Fact]
    public void FineTune_reports_every_sample_then_every_head_step_in_order()
    {
        var crops = RealCrops();
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
        var crops = RealCrops();
        var personalizer = new Personalizer(_detector, _model, null);
        var options = new PersonalizationOptions { Head = new HeadTrainingOptions { Steps = 3 } };
        personalizer.FineTune(crops, "warm-up", options).Profile.Dispose();
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        // An exact count: one handle left per call would show (a fine-tune costs ~0.2 s here, so not thousands).
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

    private static List<LabelledImage> RealCrops()
    {
        var faces = Fer2013.Load(SharedFiles.Require("data/fer2013/fer2013.csv.gz")).PrivateTest;
        return Enumerable.Range(0, 10)
            .Select(i => new LabelledImage(new ImageData(faces.Image(i).ToArray(), FaceImage.Size, FaceImage.Size, PixelFormat.Gray8), faces.Labels[i], $"PrivateTest[{i}]", IsFaceCrop: true))
            .ToList();
    }
}
