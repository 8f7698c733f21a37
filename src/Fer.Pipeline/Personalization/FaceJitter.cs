using System.Runtime.CompilerServices;
using PersonalFer.Detection;

namespace PersonalFer;

/// <summary>
/// Small random changes to a face crop that another take of the same expression would bring: the detector's box a
/// little off and of a slightly different size, other light. Few-photo enrolments train on such copies too.
/// </summary>
internal static class FaceJitter
{
    // Chosen against half and double ranges leave-one-subject-out on JAFFE-dev (docs/PERSONALIZATION.md).
    private const double Shift = 0.06;
    private const double Scale = 0.08;
    private const double Contrast = 0.15;
    private const double Brightness = 15;

    /// <summary>
    /// The box moved by up to 6 % of its side each way and scaled by up to 8 % (times <paramref name="ranges"/>),
    /// still overlapping the frame.
    /// </summary>
    public static FaceBox Box(FaceBox box, int frameWidth, int frameHeight, Random random, double ranges = 1)
    {
        var scale = 1 + (ranges * Scale * Uniform(random));
        var width = Math.Max(1, (int)Math.Round(box.Width * scale));
        var height = Math.Max(1, (int)Math.Round(box.Height * scale));
        var centerX = box.X + (box.Width / 2.0) + (ranges * Shift * box.Width * Uniform(random));
        var centerY = box.Y + (box.Height / 2.0) + (ranges * Shift * box.Height * Uniform(random));
        var moved = new FaceBox((int)Math.Round(centerX - (width / 2.0)), (int)Math.Round(centerY - (height / 2.0)), width, height);
        // A box that barely overlapped the frame could be pushed off it: the preprocessor refuses those.
        var overlaps = moved.X + moved.Width > 0 && moved.Y + moved.Height > 0 && moved.X < frameWidth && moved.Y < frameHeight;
        return overlaps ? moved : box;
    }

    /// <summary>Contrast changed by up to 15 % and brightness by up to 15 grey levels (times <paramref name="ranges"/>), in place.</summary>
    // Optimized from its first call: a fine-tune runs it over every pixel of the copies, and left to tiered compilation
    // such loops ran unoptimized through a process's first fine-tunes (the first took about twice as long).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Lighting(Span<byte> pixels, Random random, double ranges = 1)
    {
        var gain = 1 + (ranges * Contrast * Uniform(random));
        var offset = ranges * Brightness * Uniform(random);
        foreach (ref var pixel in pixels)
        {
            pixel = (byte)Math.Clamp(Math.Round((pixel * gain) + offset), 0, 255);
        }
    }

    /// <summary>A hash of a crop's pixels that is the same in every process (<see cref="HashCode"/> is seeded per process).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Hash(ReadOnlySpan<byte> pixels)
    {
        // FNV-1a.
        var hash = 2166136261;
        foreach (var pixel in pixels)
        {
            hash = (hash ^ pixel) * 16777619;
        }

        return unchecked((int)hash);
    }

    private static double Uniform(Random random) => (2 * random.NextDouble()) - 1;
}
