using OpenCvSharp;

namespace PersonalFer.Detection;

/// <summary>
/// The part of a frame that shows the scene: the frame without uniform bands along its edges (letterbox and pillarbox
/// bars, the padding of a photo made square). A face crop that reaches into such a band gets the scene's edge
/// replicated instead, as where it leaves the frame: the network learned faces whose borders are filled that way,
/// and a flat band beside a face changes its prediction (black bands turn most Disgust faces into Angry). A flat part
/// of the scene along a whole edge (a blown-out sky, a black wall) counts as a band too; the crop then repeats the
/// scene's first varied line there, which is close to what it replaces.
/// </summary>
internal static class FrameContent
{
    /// <summary>How far the pixels of a band's line may spread (standard deviation, per channel) and still be flat.</summary>
    private const double FlatSpread = 2.0;

    /// <summary>How far a band's line may drift from the colour of the band's outermost line, per channel.</summary>
    private const double ColourDrift = 4.0;

    /// <summary>Columns read at a time for a band along a side edge, turned into rows so each is read contiguously.</summary>
    private const int ColumnChunk = 32;

    /// <summary>
    /// The frame's rectangle without the bands along its edges that reach into <paramref name="region"/> (inside the
    /// frame): what the region keeps of the scene is <c>region ∩ Bounds</c>. A band is a run of lines from the edge
    /// inwards, each flat and of one colour, at most half the frame's side. A band is looked for only on the sides
    /// where the region's own edge line is flat (a band reaching into the region makes it so), so a region inside the
    /// scene costs four short lines and no scan of the frame. A frame flat throughout is all content.
    /// </summary>
    public static Rect Bounds(Mat frame, Rect region)
    {
        var (width, height) = (frame.Width, frame.Height);
        var top = IsFlat(frame, new Rect(region.X, region.Y, region.Width, 1)) ? RowBand(frame, fromTop: true) : 0;
        var bottom = IsFlat(frame, new Rect(region.X, region.Bottom - 1, region.Width, 1)) ? RowBand(frame, fromTop: false) : 0;
        var left = IsFlat(frame, new Rect(region.X, region.Y, 1, region.Height)) ? ColumnBand(frame, fromLeft: true) : 0;
        var right = IsFlat(frame, new Rect(region.Right - 1, region.Y, 1, region.Height)) ? ColumnBand(frame, fromLeft: false) : 0;
        // Bands from opposite edges meeting (or leaving a line between them, on an odd side) mean a flat frame.
        return top + bottom >= height - 1 || left + right >= width - 1
            ? new Rect(0, 0, width, height)
            : new Rect(left, top, width - left - right, height - top - bottom);
    }

    // A line alone is a band of one line when it is flat.
    private static bool IsFlat(Mat frame, Rect line)
    {
        using var pixels = new Mat(frame, line);
        return new Band(frame.Channels()).Continues(pixels);
    }

    /// <summary>How many rows from the top (or bottom) edge form a band.</summary>
    private static int RowBand(Mat frame, bool fromTop)
    {
        var band = new Band(frame.Channels());
        var (width, height) = (frame.Width, frame.Height);
        for (var depth = 0; depth < height / 2; depth++)
        {
            using var row = new Mat(frame, new Rect(0, fromTop ? depth : height - 1 - depth, width, 1));
            if (!band.Continues(row))
            {
                return depth;
            }
        }

        return height / 2;
    }

    /// <summary>How many columns from the left (or right) edge form a band, read as rows of a transposed strip.</summary>
    private static int ColumnBand(Mat frame, bool fromLeft)
    {
        var band = new Band(frame.Channels());
        var (width, height) = (frame.Width, frame.Height);
        var limit = width / 2;
        for (var start = 0; start < limit; start += ColumnChunk)
        {
            var count = Math.Min(ColumnChunk, limit - start);
            using var strip = new Mat(frame, new Rect(fromLeft ? start : width - start - count, 0, count, height));
            using var rows = new Mat();
            Cv2.Transpose(strip, rows);
            for (var i = 0; i < count; i++)
            {
                using var column = new Mat(rows, new Rect(0, fromLeft ? i : count - 1 - i, height, 1));
                if (!band.Continues(column))
                {
                    return start + i;
                }
            }
        }

        return limit;
    }

    /// <summary>The band's lines so far: the next line continues it if it is flat and of the outermost line's colour.</summary>
    private sealed class Band(int channels)
    {
        private Scalar? _colour;

        public bool Continues(Mat line)
        {
            Cv2.MeanStdDev(line, out var mean, out var spread);
            _colour ??= mean;
            for (var c = 0; c < channels; c++)
            {
                if (spread[c] > FlatSpread || Math.Abs(mean[c] - _colour.Value[c]) > ColourDrift)
                {
                    return false;
                }
            }

            return true;
        }
    }
}
