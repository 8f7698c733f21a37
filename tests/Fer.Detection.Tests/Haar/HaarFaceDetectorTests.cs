using OpenCvSharp;
using PersonalFer.Tests;

namespace PersonalFer.Detection.Tests;

public sealed class HaarFaceDetectorTests
{
    [Fact]
    public void Finds_exactly_one_face_in_the_astronaut_photo()
    {
        using var frame = TestPhotos.Astronaut();
        Assert.Equal((512, 512), (frame.Width, frame.Height));
        using var detector = new HaarFaceDetector();

        var face = Assert.Single(detector.Detect(frame));

        // Eileen Collins' face sits in the upper middle of the photo.
        Assert.InRange(face.Box.X + (face.Box.Width / 2), 180, 280);
        Assert.InRange(face.Box.Y + (face.Box.Height / 2), 80, 160);
        Assert.InRange(face.Box.Width, 60, 160);
    }

    [Fact]
    public void A_gray_frame_gives_the_same_face_as_the_colour_frame()
    {
        using var frame = TestPhotos.Astronaut();
        using var gray = frame.CvtColor(ColorConversionCodes.BGR2GRAY);
        using var detector = new HaarFaceDetector();

        Assert.Equal(detector.Detect(frame), detector.Detect(gray));
    }

    [Fact]
    public void Empty_and_float_frames_are_rejected_with_a_reason()
    {
        using var detector = new HaarFaceDetector();
        using var empty = new Mat();
        using var floats = new Mat(10, 10, MatType.CV_32FC1);

        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => detector.Detect(empty)).Message, StringComparison.Ordinal);
        Assert.Contains("Unsupported frame type", Assert.Throws<ArgumentException>(() => detector.Detect(floats)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_after_dispose_throws_ObjectDisposedException()
    {
        var detector = new HaarFaceDetector();
        detector.Dispose();
        using var frame = new Mat(64, 64, MatType.CV_8UC1, Scalar.All(0));
        Assert.Throws<ObjectDisposedException>(() => detector.Detect(frame));
    }
}
