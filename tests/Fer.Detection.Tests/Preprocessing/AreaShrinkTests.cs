using OpenCvSharp;

namespace PersonalFer.Detection.Tests;

/// <summary>Shrinking in halvings gives what one area resize gives, to a grey level, at the exact size asked.</summary>
public sealed class AreaShrinkTests
{
    [Theory]
    [InlineData(640, 480, 160, 120, 1)] // two halvings
    [InlineData(1280, 720, 160, 90, 3)] // three
    [InlineData(1920, 1080, 160, 90, 2)] // two, then one area step of 3×
    [InlineData(1920, 1080, 160, 120, 0)] // not a multiple on both sides: one step
    [InlineData(640, 360, 160, 90, 1)]
    [InlineData(641, 481, 160, 120, 0)] // odd sides: one step, as before
    [InlineData(300, 200, 160, 107, 0)] // less than 2×: one step
    public void Halvings_match_one_area_resize(int width, int height, int targetWidth, int targetHeight, int tolerance)
    {
        using var image = new Mat(height, width, MatType.CV_8UC3);
        Cv2.Randu(image, Scalar.All(0), Scalar.All(256));
        // Smooth regions as well as noise: block averages of noise sit near 128 and would hide rounding drift.
        Cv2.GaussianBlur(image, image, new Size(0, 0), 3);
        using var copy = image.Clone();
        var size = new Size(targetWidth, targetHeight);

        using var shrunk = AreaShrink.To(image, size);
        using var reference = image.Resize(size, interpolation: InterpolationFlags.Area);

        Assert.Equal(size, shrunk.Size());
        Assert.Equal(image.Type(), shrunk.Type());
        using var difference = new Mat();
        Cv2.Absdiff(shrunk, reference, difference);
        Cv2.MinMaxLoc(difference.Reshape(1), out _, out double largest);
        Assert.True(largest <= tolerance, $"pixels differ by up to {largest} grey levels");
        Assert.Equal(0, Cv2.Norm(image, copy, NormTypes.INF));
    }

    [Fact]
    public void A_size_without_area_is_refused_by_name_and_an_empty_image_fails()
    {
        using var image = new Mat(480, 640, MatType.CV_8UC3, Scalar.All(7));
        using var empty = new Mat();

        Assert.Throws<ArgumentOutOfRangeException>(() => AreaShrink.To(image, new Size(0, 120)));
        Assert.Throws<ArgumentOutOfRangeException>(() => AreaShrink.To(image, new Size(160, -1)));
        Assert.ThrowsAny<Exception>(() => AreaShrink.To(empty, new Size(160, 120)).Dispose());
    }
}
