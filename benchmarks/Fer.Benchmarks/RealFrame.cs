using OpenCvSharp;

namespace PersonalFer.Benchmarks;

/// <summary>
/// A real 640×480 frame with one face: the bundled public-domain astronaut photo scaled to 480×480 and centred on
/// a grey canvas, the size of a typical webcam frame.
/// </summary>
internal static class RealFrame
{
    /// <summary>The bundled public-domain photo next to the benchmark binaries.</summary>
    public static string PhotoPath { get; } = Path.Combine(AppContext.BaseDirectory, "media", "astronaut.png");

    public static Mat Create640x480()
    {
        using var photo = Cv2.ImRead(PhotoPath);
        if (photo.Empty())
        {
            throw new FileNotFoundException("The bundled photo is missing next to the benchmark binaries.", PhotoPath);
        }

        var frame = new Mat(480, 640, MatType.CV_8UC3, Scalar.All(128));
        using var scaled = photo.Resize(new Size(480, 480), interpolation: InterpolationFlags.Area);
        using var target = frame[new Rect(80, 0, 480, 480)];
        scaled.CopyTo(target);
        return frame;
    }
}
