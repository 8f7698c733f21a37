using OpenCvSharp;

namespace PersonalFer.Detection;

/// <summary>Turns the frame formats the API accepts into the ones OpenCV's detectors need.</summary>
internal static class FrameConversion
{
    /// <summary>An 8-bit single-channel copy of <paramref name="frame"/>; the caller disposes it.</summary>
    public static Mat ToGray(Mat frame)
    {
        var code = ChannelsOf(frame) switch
        {
            1 => (ColorConversionCodes?)null,
            3 => ColorConversionCodes.BGR2GRAY,
            _ => ColorConversionCodes.BGRA2GRAY,
        };
        if (code is null)
        {
            return frame.Clone();
        }

        var gray = new Mat();
        Cv2.CvtColor(frame, gray, code.Value);
        return gray;
    }

    /// <summary>Validates the frame and returns its channel count (1, 3 or 4).</summary>
    public static int ChannelsOf(Mat frame)
    {
        if (frame.Empty())
        {
            throw new ArgumentException("The frame is empty.", nameof(frame));
        }

        if (frame.Depth() != MatType.CV_8U || frame.Channels() is not (1 or 3 or 4))
        {
            throw new ArgumentException($"Unsupported frame type {frame.Type()}: expected 8-bit gray, BGR or BGRA.", nameof(frame));
        }

        return frame.Channels();
    }
}
