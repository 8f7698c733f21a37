using OpenCvSharp;

namespace PersonalFer.Detection;

/// <summary>Area-averaging downscaling that takes OpenCV's fast path.</summary>
internal static class AreaShrink
{
    /// <summary>
    /// <paramref name="image"/> shrunk to <paramref name="size"/> (smaller on both sides) by area averaging. Where
    /// each side is an even multiple of the target's, it is halved first, as often as that stays true, then resized
    /// the rest of the way: each output pixel is still the mean of the same block, rounded in between. OpenCV's area
    /// kernel is vectorized for an exact 2× step and not for larger ones: a 640×480 frame to 160×120 took 0.07 ms
    /// in two halvings against 0.21 ms in one step (a scratch loop); the two differ by at most a grey level per
    /// halving.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A side of <paramref name="size"/> is not positive.</exception>
    public static Mat To(Mat image, Size size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size.Width, nameof(size));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size.Height, nameof(size));
        var current = image;
        var (width, height) = (image.Width, image.Height);
        Mat? halved = null;
        try
        {
            while (width % (2 * size.Width) == 0 && height % (2 * size.Height) == 0)
            {
                (width, height) = (width / 2, height / 2);
                var next = current.Resize(new Size(width, height), interpolation: InterpolationFlags.Area);
                halved?.Dispose();
                halved = next;
                current = next;
            }

            if (halved is not null && width == size.Width && height == size.Height)
            {
                var result = halved;
                halved = null;
                return result;
            }

            return current.Resize(size, interpolation: InterpolationFlags.Area);
        }
        finally
        {
            halved?.Dispose();
        }
    }
}
