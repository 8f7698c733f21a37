using OpenCvSharp;
using PersonalFer.Data;
using PersonalFer.Detection;
using PersonalFer.Model;
using PersonalFer.Tests;

namespace PersonalFer.Pipeline.Tests;

/// <summary>
/// Options are checked when the object that uses them is built, NaN and infinities included, and inputs at the call,
/// with errors that name what was wrong — before any work starts.
/// </summary>
public sealed class InputValidationTests : IDisposable
{
    private readonly YuNetFaceDetector _detector = new();
    private readonly ExpressionModel _model = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 3);

    public void Dispose()
    {
        _detector.Dispose();
        _model.Dispose();
    }

    public static TheoryData<double> NotInUnitRange => [double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0, -0.1, 1.5];

    [Theory]
    [MemberData(nameof(NotInUnitRange))]
    public void Tracker_options_outside_their_range_are_refused_when_it_is_built(double value)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExpressionTracker(new ExpressionTrackingOptions { MinimumOverlap = value }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExpressionTracker(new ExpressionTrackingOptions { NewFrameWeight = value }));
    }

    [Fact]
    public void Tracker_updates_with_malformed_faces_are_refused_by_index()
    {
        var tracker = new ExpressionTracker();
        var good = Face([0.1f, 0.1f, 0.1f, 0.4f, 0.1f, 0.1f, 0.1f]);
        string Refusal(FaceExpression? bad) => Assert.Throws<ArgumentException>(() => tracker.Update([good, bad!])).Message;

        Assert.Contains("Face 1 must have 7 probabilities", Refusal(Face([0.5f, 0.5f])), StringComparison.Ordinal);
        Assert.Contains("Face 1 must have 7 probabilities", Refusal(Face([])), StringComparison.Ordinal);
        Assert.Contains("Face 1 must have 7 probabilities", Refusal(Face([float.NaN, 0, 0, 1, 0, 0, 0])), StringComparison.Ordinal);
        Assert.Contains("Face 1 is null", Refusal(null), StringComparison.Ordinal);
        Assert.Contains("Face 1 has an empty box", Refusal(Face([0, 0, 0, 1, 0, 0, 0]) with { Box = new FaceBox(1, 1, 0, 5) }), StringComparison.Ordinal);
        Assert.Equal(0, tracker.ActiveTracks);
        Assert.Equal(Expression.Happy, Assert.Single(tracker.Update([good])).Expression);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(-0.5f)]
    public void Detector_thresholds_outside_0_to_1_are_refused(float value)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new YuNetFaceDetector(new YuNetOptions { ScoreThreshold = value }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new YuNetFaceDetector(new YuNetOptions { NmsThreshold = value }));
    }

    [Fact]
    public void Framing_and_pipeline_options_are_refused_before_the_first_frame()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaceFraming { Margin = float.NaN });
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaceFraming { Margin = 1.01f });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExpressionPipeline(_detector, _model, new ExpressionPipelineOptions { MaxFaces = 0 }));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(0)]
    [InlineData(1e38)]
    public void Personalization_options_are_refused_before_faces_are_searched(double learningRate)
    {
        var personalizer = new Personalizer(_detector, _model, generalFaces: null);
        var progress = new List<PersonalizationProgress>();
        var options = new PersonalizationOptions { Head = new HeadTrainingOptions { LearningRate = learningRate } };

        Assert.Throws<ArgumentOutOfRangeException>(() => personalizer.FineTune(Samples(), options: options, progress: new Recorder(progress)));
        Assert.Throws<ArgumentOutOfRangeException>(() => personalizer.FineTune(Samples(), options: new PersonalizationOptions { MinimumFaces = 0 }));
        Assert.Empty(progress);
    }

    [Fact]
    public void Malformed_samples_are_named_by_index_and_source_before_any_face_is_searched()
    {
        var personalizer = new Personalizer(_detector, _model, generalFaces: null);
        var progress = new List<PersonalizationProgress>();
        string Refusal(List<LabelledImage> samples) =>
            Assert.Throws<ArgumentException>(() => personalizer.FineTune(samples, progress: new Recorder(progress))).Message;

        var withNull = Samples();
        withNull.Insert(3, null!);
        Assert.Contains("Sample 3 is null", Refusal(withNull), StringComparison.Ordinal);

        var outOfRange = Samples();
        outOfRange[5] = outOfRange[5] with { Label = (Expression)7 };
        Assert.Contains("Sample 5 ('face-5') is labelled 7, which is not one of the 7 expressions (0–6)", Refusal(outOfRange), StringComparison.Ordinal);

        var negative = Samples();
        negative[0] = negative[0] with { Label = (Expression)(-1) };
        Assert.Contains("Sample 0 ('face-0') is labelled -1", Refusal(negative), StringComparison.Ordinal);

        var noImage = Samples();
        noImage[2] = noImage[2] with { Image = null! };
        Assert.Contains("Sample 2 ('face-2') has no image", Refusal(noImage), StringComparison.Ordinal);

        Assert.Empty(progress);
    }

    [Fact]
    public void Frames_whose_size_overflows_are_refused_and_frames_at_the_limit_are_classified()
    {
        var pipeline = new ExpressionPipeline(_detector, _model);
        // width × 3 bytes overflows int: once a native crash, now refused by the buffer's declared size.
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageData(new byte[64], (int.MaxValue / 3) + 1, 1, PixelFormat.Bgr24));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageData(new byte[64], ImageData.MaxSide + 1, 1, PixelFormat.Gray8));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageData(new byte[64], 4, 4, PixelFormat.Gray8, stride: -4));

        var strip = new ImageData(new byte[ImageData.MaxSide * 2], ImageData.MaxSide, 2, PixelFormat.Gray8);
        Assert.Empty(pipeline.Classify(strip));
        using var wide = new Mat(1, ImageData.MaxSide + 1, MatType.CV_8UC3, Scalar.All(0));
        Assert.Contains("larger than 32767 pixels per side", Assert.Throws<ArgumentException>(() => pipeline.Classify(wide)).Message, StringComparison.Ordinal);
        using var threeDimensional = new Mat([4, 4, 4], MatType.CV_8UC1);
        Assert.Throws<ArgumentException>(() => pipeline.Classify(threeDimensional));
    }

    [Fact]
    public void Face_boxes_off_the_frame_or_too_large_and_eyes_that_are_not_numbers_are_refused()
    {
        using var photo = TestPhotos.Astronaut();
        var aligned = new FaceFraming { AlignEyes = true };
        Assert.Contains("does not overlap the 512×512 frame", Assert.Throws<ArgumentException>(() =>
            FacePreprocessor.Extract(photo, new DetectedFace(new FaceBox(int.MaxValue - 10, 0, 100, 100), 1), aligned)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => FacePreprocessor.Extract(photo, new DetectedFace(new FaceBox(-100, 0, 100, 100), 1), aligned));
        Assert.Contains("larger than 32767 pixels per side", Assert.Throws<ArgumentException>(() =>
            FacePreprocessor.Extract(photo, new DetectedFace(new FaceBox(0, 0, int.MaxValue, 100), 1), aligned)).Message, StringComparison.Ordinal);
        var nan = new FacePoint(float.NaN, 10);
        Assert.Contains("not finite", Assert.Throws<ArgumentException>(() =>
            FacePreprocessor.Extract(photo, new DetectedFace(new FaceBox(100, 0, 200, 200), 1, new FaceLandmarks(nan, nan, nan, nan, nan)), aligned)).Message, StringComparison.Ordinal);
        Assert.Equal(FaceImage.PixelCount, FacePreprocessor.Extract(photo, new DetectedFace(new FaceBox(0, 0, 512, 512), 1), new FaceFraming { Margin = FaceFraming.MaxMargin }).Length);
    }

    private static FaceExpression Face(float[] probabilities) =>
        new(new FaceBox(10, 10, 50, 50), 1, null, Expression.Happy, 0.4f, probabilities);

    private static List<LabelledImage> Samples()
    {
        using var photo = TestPhotos.Astronaut();
        var image = TestPhotos.ToImageData(photo);
        return [.. Enumerable.Range(0, 7).Select(i => new LabelledImage(image, (Expression)i, $"face-{i}"))];
    }

    private sealed class Recorder(List<PersonalizationProgress> reports) : IProgress<PersonalizationProgress>
    {
        public void Report(PersonalizationProgress value) => reports.Add(value);
    }
}
