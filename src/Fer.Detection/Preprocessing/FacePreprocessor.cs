using OpenCvSharp;
using PersonalFer.Data;

namespace PersonalFer.Detection;

/// <summary>
/// The one face preprocessing shared by inference, personalization and evaluation through the pipeline: the crop a
/// <see cref="FaceFraming"/> defines (a square around the box, with its margin, rotated so the eyes are level when it
/// asks and landmarks exist), grayscale, 48×48, edges replicated where the crop leaves the frame or reaches into a
/// uniform band along its edge (letterbox bars, padding). Callers pass the model's framing
/// (<c>ExpressionModel.Framing</c>); the model's normalization follows in Fer.Model.
/// </summary>
public static class FacePreprocessor
{
    /// <summary>Side of the intermediate shrunk crop: twice the output, so the final warp never aliases.</summary>
    private const int WorkingSide = FaceImage.Size * 2;

    /// <summary>How much larger than the face square a crop must be for any rotation of it to stay inside: √2.</summary>
    private static readonly double RotationRoom = Math.Sqrt(2);

    /// <summary>The 48×48 grayscale face (2304 bytes, row-major), framed as <paramref name="framing"/> says.</summary>
    /// <exception cref="ArgumentException">
    /// The frame is empty or of an unsupported type, the box is empty, larger than <see cref="ImageData.MaxSide"/> or
    /// off the frame, or the eye landmarks the framing aligns on are not finite.
    /// </exception>
    public static byte[] Extract(Mat frame, DetectedFace face, FaceFraming framing)
    {
        var pixels = new byte[FaceImage.PixelCount];
        Extract(frame, face, framing, pixels);
        return pixels;
    }

    /// <summary>Writes the 48×48 grayscale face into <paramref name="destination"/> (at least 2304 bytes).</summary>
    /// <exception cref="ArgumentException">
    /// The frame is empty or of an unsupported type, the box is empty, larger than <see cref="ImageData.MaxSide"/> or
    /// off the frame, or the eye landmarks the framing aligns on are not finite.
    /// </exception>
    public static void Extract(Mat frame, DetectedFace face, FaceFraming framing, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(framing);
        if (face.Box.Width <= 0 || face.Box.Height <= 0)
        {
            throw new ArgumentException($"The face box {face.Box} is empty.", nameof(face));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, FaceImage.PixelCount, nameof(destination));
        FrameConversion.ChannelsOf(frame);
        // A box may leave the frame (its edges are replicated), but must overlap it and be no larger than a frame can
        // be: that bounds every coordinate of the crop.
        if (face.Box.Width > ImageData.MaxSide || face.Box.Height > ImageData.MaxSide)
        {
            throw new ArgumentException($"The face box {face.Box} is larger than {ImageData.MaxSide} pixels per side.", nameof(face));
        }

        if ((long)face.Box.X + face.Box.Width <= 0 || (long)face.Box.Y + face.Box.Height <= 0 || face.Box.X >= frame.Width || face.Box.Y >= frame.Height)
        {
            throw new ArgumentException($"The face box {face.Box} does not overlap the {frame.Width}×{frame.Height} frame.", nameof(face));
        }

        if (framing.AlignEyes && face.Landmarks is { } eyes
            && !(float.IsFinite(eyes.RightEye.X) && float.IsFinite(eyes.RightEye.Y) && float.IsFinite(eyes.LeftEye.X) && float.IsFinite(eyes.LeftEye.Y)))
        {
            throw new ArgumentException($"The eye landmarks {eyes.RightEye}, {eyes.LeftEye} are not finite.", nameof(face));
        }

        var side = Math.Max(face.Box.Width, face.Box.Height) * (1 + (2 * framing.Margin));
        var centerX = face.Box.X + (face.Box.Width / 2.0);
        var centerY = face.Box.Y + (face.Box.Height / 2.0);
        var angle = framing.AlignEyes && face.Landmarks is { } landmarks ? EyeAngleDegrees(landmarks) : 0;

        // Crop a square with room for the rotation, replicate edges outside the frame, shrink it with area averaging.
        var cropSide = (int)Math.Ceiling(side * (angle == 0 ? 1.0 : RotationRoom));
        var crop = new Rect((int)Math.Floor(centerX - (cropSide / 2.0)), (int)Math.Floor(centerY - (cropSide / 2.0)), cropSide, cropSide);
        var shrink = Math.Min(1.0, WorkingSide / side);
        using var shrunk = ShrunkCrop(frame, crop, shrink);

        var scaleToShrunk = shrunk.Width / (double)cropSide;
        var center = new Point2f((float)((centerX - crop.X) * scaleToShrunk), (float)((centerY - crop.Y) * scaleToShrunk));
        using var transform = Cv2.GetRotationMatrix2D(center, angle, FaceImage.Size / (side * scaleToShrunk));
        transform.Set(0, 2, transform.At<double>(0, 2) + ((FaceImage.Size / 2.0) - center.X));
        transform.Set(1, 2, transform.At<double>(1, 2) + ((FaceImage.Size / 2.0) - center.Y));
        using var output = new Mat();
        Cv2.WarpAffine(shrunk, output, transform, new Size(FaceImage.Size, FaceImage.Size), InterpolationFlags.Linear, BorderTypes.Replicate);
        output.GetArray(out byte[] pixels);
        pixels.CopyTo(destination);
    }

    /// <summary>The tilt of the line from the person's right eye (image left) to their left eye, in degrees.</summary>
    internal static double EyeAngleDegrees(FaceLandmarks landmarks) =>
        double.RadiansToDegrees(Math.Atan2(landmarks.LeftEye.Y - landmarks.RightEye.Y, landmarks.LeftEye.X - landmarks.RightEye.X));

    /// <summary>
    /// The square <paramref name="crop"/> of <paramref name="frame"/> in gray, shrunk by <paramref name="shrink"/>,
    /// edges replicated where it leaves the frame or reaches into a uniform band along its edge
    /// (<see cref="FrameContent"/>). Only the part inside the frame is converted to gray (the conversion is per pixel,
    /// so this equals converting the whole frame, at the cost of the face alone), and it is shrunk before the border
    /// is added, so a large face costs memory for the small result only.
    /// </summary>
    private static Mat ShrunkCrop(Mat frame, Rect crop, double shrink)
    {
        var inside = crop.Intersect(new Rect(0, 0, frame.Width, frame.Height));
        if (inside.Width <= 0 || inside.Height <= 0)
        {
            throw new ArgumentException($"The face crop {crop} lies outside the {frame.Width}×{frame.Height} frame.");
        }

        var scene = crop.Intersect(FrameContent.Bounds(frame, inside));
        if (scene.Width > 0 && scene.Height > 0)
        {
            inside = scene;
        }

        using var region = new Mat(frame, inside);
        // A gray frame's region is used as it is: converting it would only copy it.
        using var converted = frame.Channels() == 1 ? null : FrameConversion.ToGray(region);
        var view = converted ?? region;
        var side = Math.Max(1, (int)Math.Round(crop.Width * shrink));
        using var part = shrink < 1
            ? view.Resize(new Size(Math.Clamp((int)Math.Round(inside.Width * shrink), 1, side), Math.Clamp((int)Math.Round(inside.Height * shrink), 1, side)), interpolation: InterpolationFlags.Area)
            : view.Clone();
        var top = Math.Min((int)Math.Round((inside.Y - crop.Y) * shrink), side - part.Height);
        var left = Math.Min((int)Math.Round((inside.X - crop.X) * shrink), side - part.Width);
        var result = new Mat();
        Cv2.CopyMakeBorder(part, result, top, side - part.Height - top, left, side - part.Width - left, BorderTypes.Replicate);
        return result;
    }
}
