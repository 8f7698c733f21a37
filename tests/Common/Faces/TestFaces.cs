using OpenCvSharp;
using PersonalFer.Data;

namespace PersonalFer.Tests;

/// <summary>
/// Labelled 48×48 grayscale faces made from the bundled photo (see <see cref="TestPhotos"/>), for tests of
/// mechanics (training, evaluation, weights, precision) that must run without FER2013. Each face is her face cut out
/// with a shift, zoom, turn, mirroring, contrast and noise of its own. Its label is its brightness: class k is the
/// k-th darkest of seven bands, so the classes differ visibly and survive every other variation, and a network
/// learns them within a few epochs, as tests of learning need. Labels cycle through the seven classes, so every
/// class is equally common.
/// </summary>
internal static class TestFaces
{
    // Her face is about 90 × 110 pixels in the photo; FER2013's faces fill most of their frame.
    private const double FaceSide = 120;

    // Mean brightness of class k's faces: the middle of band k, give or take a jitter that leaves a gap of
    // 2 × (BandStep / 2 − BandJitter) grey levels between neighbouring bands.
    private const double DarkestBand = 50;
    private const double BandStep = 26;
    private const double BandJitter = 6;

    /// <summary>
    /// <paramref name="count"/> faces drawn from <paramref name="seed"/>: the same on every run, and the first
    /// faces of a longer set are a shorter one. Another seed gives other variations, e.g. faces to validate on.
    /// </summary>
    public static FaceDataset Make(int count, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        using var photo = TestPhotos.Astronaut();
        using var gray = photo.CvtColor(ColorConversionCodes.BGR2GRAY);
        var random = new Random(seed);
        var pixels = new byte[count * FaceImage.PixelCount];
        var labels = new Expression[count];
        for (var i = 0; i < count; i++)
        {
            labels[i] = (Expression)(i % Expressions.Count);
            Draw(gray, (int)labels[i], random, pixels.AsSpan(i * FaceImage.PixelCount, FaceImage.PixelCount));
        }

        return new FaceDataset(pixels, labels);
    }

    private static void Draw(Mat gray, int band, Random random, Span<byte> face)
    {
        var angle = Uniform(random, -8, 8);
        var zoom = Uniform(random, 0.9, 1.1);
        var shift = new Point2d(Uniform(random, -3, 3), Uniform(random, -3, 3));
        var mirrored = random.Next(2) == 1;
        var contrast = Uniform(random, 20, 40);
        var noise = Uniform(random, 0, 8);
        var brightness = DarkestBand + (band * BandStep) + Uniform(random, -BandJitter, BandJitter);

        using var warp = Cv2.GetRotationMatrix2D(TestPhotos.FaceCenter, angle, zoom * FaceImage.Size / FaceSide);
        warp.At<double>(0, 2) += (FaceImage.Size / 2.0) - TestPhotos.FaceCenter.X + shift.X;
        warp.At<double>(1, 2) += (FaceImage.Size / 2.0) - TestPhotos.FaceCenter.Y + shift.Y;
        using var cut = new Mat();
        Cv2.WarpAffine(gray, cut, warp, new Size(FaceImage.Size, FaceImage.Size), InterpolationFlags.Linear, BorderTypes.Replicate);
        if (mirrored)
        {
            Cv2.Flip(cut, cut, FlipMode.Y);
        }

        cut.GetArray(out byte[] values);
        var mean = values.Average(v => (double)v);
        var spread = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
        for (var p = 0; p < face.Length; p++)
        {
            var value = brightness + ((values[p] - mean) / spread * contrast) + (noise * Gaussian(random));
            face[p] = (byte)Math.Clamp(Math.Round(value), 0, 255);
        }
    }

    private static double Uniform(Random random, double low, double high) => low + (random.NextDouble() * (high - low));

    // Box–Muller: System.Random has no normal draw of its own.
    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
