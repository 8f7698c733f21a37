using OpenCvSharp;

namespace PersonalFer.Data.Tests;

/// <summary>Small images encoded in code: random pixels, so every decoding mistake shows.</summary>
internal static class SampleImages
{
    public static byte[] Encode(string extension, int width, int height, int channels, int seed)
    {
        using var image = new Mat(height, width, MatType.CV_8UC(channels));
        var pixels = new byte[width * height * channels];
        new Random(seed).NextBytes(pixels);
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, image.Data, pixels.Length);
        Assert.True(Cv2.ImEncode(extension, image, out var encoded));
        return encoded;
    }

    /// <summary>A valid BMP whose header declares a width beyond what OpenCV accepts.</summary>
    public static byte[] BmpDeclaringWidth(int width)
    {
        var bmp = Encode(".bmp", 4, 4, 1, seed: 0);
        BitConverter.TryWriteBytes(bmp.AsSpan(18, 4), width);
        return bmp;
    }
}
