using OpenCvSharp;
using PersonalFer.Data;

namespace PersonalFer.Detection;

/// <summary>Turns the frame formats the API accepts into the ones OpenCV needs.</summary>
public static class FrameConversion
{
    private const int GrayChannels = 1;
    internal const int BgrChannels = 3;
    private const int BgraChannels = 4;

    /// <summary>
    /// A BGR, BGRA or gray Mat over <paramref name="frame"/>'s pixels: a view without copying for BGR, BGRA and gray
    /// data, a converted copy for RGB and RGBA. The caller disposes it and keeps <paramref name="frame"/> alive meanwhile.
    /// </summary>
    /// <exception cref="OpenCvRuntimeException">OpenCV's native library is missing or does not load; the message says what to add.</exception>
    public static Mat Wrap(ImageData frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        OpenCvRuntime.EnsureLoaded();
        var type = ImageData.BytesPerPixel(frame.Format) switch
        {
            GrayChannels => MatType.CV_8UC1,
            BgrChannels => MatType.CV_8UC3,
            _ => MatType.CV_8UC4,
        };
        var view = Mat.FromPixelData(frame.Height, frame.Width, type, frame.Pixels, frame.Stride);
        var swap = frame.Format switch
        {
            PixelFormat.Rgb24 => ColorConversionCodes.RGB2BGR,
            PixelFormat.Rgba32 => ColorConversionCodes.RGBA2BGRA,
            _ => (ColorConversionCodes?)null,
        };
        if (swap is null)
        {
            return view;
        }

        using (view)
        {
            var bgr = new Mat();
            Cv2.CvtColor(view, bgr, swap.Value);
            return bgr;
        }
    }

    /// <summary>An 8-bit single-channel copy of <paramref name="frame"/>; the caller disposes it.</summary>
    internal static Mat ToGray(Mat frame) => Convert(frame, GrayChannels);

    /// <summary>An 8-bit three-channel BGR copy of <paramref name="frame"/>; the caller disposes it.</summary>
    internal static Mat ToBgr(Mat frame) => Convert(frame, BgrChannels);

    private static Mat Convert(Mat frame, int channels)
    {
        var code = (ChannelsOf(frame), channels) switch
        {
            (BgrChannels, GrayChannels) => ColorConversionCodes.BGR2GRAY,
            (BgraChannels, GrayChannels) => ColorConversionCodes.BGRA2GRAY,
            (GrayChannels, BgrChannels) => ColorConversionCodes.GRAY2BGR,
            (BgraChannels, BgrChannels) => ColorConversionCodes.BGRA2BGR,
            _ => (ColorConversionCodes?)null,
        };
        if (code is null)
        {
            return frame.Clone();
        }

        var converted = new Mat();
        Cv2.CvtColor(frame, converted, code.Value);
        return converted;
    }

    /// <summary>Validates the frame and returns its channel count (1, 3 or 4).</summary>
    internal static int ChannelsOf(Mat frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (frame.Empty())
        {
            throw new ArgumentException("The frame is empty.", nameof(frame));
        }

        if (frame.Dims != 2 || frame.Depth() != MatType.CV_8U || frame.Channels() is not (GrayChannels or BgrChannels or BgraChannels))
        {
            throw new ArgumentException($"Unsupported frame type {frame.Type()}: expected a 2-D 8-bit gray, BGR or BGRA image.", nameof(frame));
        }

        if (frame.Width > ImageData.MaxSide || frame.Height > ImageData.MaxSide)
        {
            throw new ArgumentException($"The {frame.Width}×{frame.Height} frame is larger than {ImageData.MaxSide} pixels per side; shrink it first.", nameof(frame));
        }

        return frame.Channels();
    }
}
