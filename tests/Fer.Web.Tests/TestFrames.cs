using OpenCvSharp;

namespace PersonalFer.Web.Tests;

/// <summary>Encoded frames for the protocol tests, made from the bundled astronaut photo (one frontal face).</summary>
internal static class TestFrames
{
    private static readonly Lazy<byte[]> AstronautJpeg = new(() => Encode(Path.Combine(AppContext.BaseDirectory, "media", "astronaut.png")));

    /// <summary>The 512×512 photo as a JPEG (about 40 KB).</summary>
    public static byte[] Astronaut => AstronautJpeg.Value;

    /// <summary>A real JPEG of <paramref name="width"/>×<paramref name="height"/> grey pixels (small bytes, many pixels).</summary>
    public static byte[] Blank(int width, int height)
    {
        using var image = new Mat(height, width, MatType.CV_8UC3, new Scalar(128, 128, 128));
        return image.ImEncode(".jpg");
    }

    private static byte[] Encode(string path)
    {
        using var photo = Cv2.ImRead(path);
        Assert.False(photo.Empty(), $"{path} is missing from the test output (linked from samples/Fer.Demo/media).");
        return photo.ImEncode(".jpg");
    }
}
