using OpenCvSharp;

namespace PersonalFer.Detection;

/// <summary>
/// The part of a frame that shows the scene: the frame without uniform bands along its edges (letterbox and pillarbox
/// bars, the padding of a photo made square). A face crop that reaches into such a band gets the scene's edge
/// replicated instead, as where it leaves the frame: the network learned faces whose borders are filled that way,
/// and a flat band beside a face changes its prediction (black bands turn most Disgust faces into Angry).
/// </summary>
internal static class FrameContent
{
    /// <summary>How far the pixels of a band's line may spread (standard deviation, per channel) and still be flat.</summary>
    private const double FlatSpread = 2.0;

    /// <summary>How far a band's line may drift from the colour of the band's outermost line, per channel.</summary>
    private const double ColourDrift = 4.0;

    /// <summary>
    /// The frame's rectangle without the uniform bands along its edges that reach into <paramref name="region"/> (a
    /// rectangle inside the frame); the frame's own edge on the other sides, and the whole frame when it is flat
    /// throughout. A band is a run of lines, from the edge inwards, each flat and of one colour; it can take at most
    /// half the frame's side, so a band never meets the one opposite. Only where the region's own edge line is flat
    /// can a band reach into it, so a region inside the scene costs four short lines and no scan of the frame.
    /// </summary>
    public static Rect Bounds(Mat frame, Rect region)
    {
        var (width, height) = (frame.Width, frame.Height);
        var top = IsFlat(frame, new Rect(region.X, region.Y, region.Width, 1))
            ? BandDepth(frame, height, i => new Rect(0, i, width, 1)) : 0;
        var bottom = IsFlat(frame, new Rect(region.X, region.Bottom - 1, region.Width, 1))
            ? BandDepth(frame, height, i => new Rect(0, height - 1 - i, width, 1)) : 0;
        var left = IsFlat(frame, new Rect(region.X, region.Y, 1, region.Height))
            ? BandDepth(frame, width, i => new Rect(i, 0, 1, height)) : 0;
        var right = IsFlat(frame, new Rect(region.Right - 1, region.Y, 1, region.Height))
            ? BandDepth(frame, width, i => new Rect(width - 1 - i, 0, 1, height)) : 0;
        var bounds = new Rect(left, top, width - left - right, height - top - bottom);
        return bounds.Width > 0 && bounds.Height > 0 ? bounds : new Rect(0, 0, width, height);
    }

    private static bool IsFlat(Mat frame, Rect line)
    {
        using var pixels = new Mat(frame, line);
        Cv2.MeanStdDev(pixels, out _, out var spread);
        for (var c = 0; c < frame.Channels(); c++)
        {
            if (spread[c] > FlatSpread)
            {
                return false;
            }
        }

        return true;
    }

    private static int BandDepth(Mat frame, int side, Func<int, Rect> line)
    {
        var channels = frame.Channels();
        Scalar? colour = null;
        var depth = 0;
        while (depth < side / 2)
        {
            using var pixels = new Mat(frame, line(depth));
            Cv2.MeanStdDev(pixels, out var mean, out var spread);
            colour ??= mean;
            for (var c = 0; c < channels; c++)
            {
                if (spread[c] > FlatSpread || Math.Abs(mean[c] - colour.Value[c]) > ColourDrift)
                {
                    return depth;
                }
            }

            depth++;
        }

        return depth;
    }
}
