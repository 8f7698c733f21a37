using OpenCvSharp;

namespace PersonalFer.Data;

/// <summary>
/// A raw 8-bit image: rows of <see cref="Stride"/> bytes, each holding <see cref="Width"/> pixels of
/// <see cref="Format"/>. How frames and samples cross the API without OpenCV types.
/// </summary>
public sealed record ImageData
{
    /// <summary>
    /// The longest side accepted, in pixels: OpenCV's geometric transforms address pixels with 16-bit coordinates,
    /// so larger images cannot be processed (shrink them first).
    /// </summary>
    public const int MaxSide = short.MaxValue;

    /// <summary>Wraps <paramref name="pixels"/> (not copied) after checking that the sizes agree.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A side is not positive or exceeds <see cref="MaxSide"/>, the stride is negative, or the format unknown.</exception>
    /// <exception cref="ArgumentException">The stride is smaller than a row, or the buffer too short for the image.</exception>
    public ImageData(byte[] pixels, int width, int height, PixelFormat format, int stride = 0)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, MaxSide);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, MaxSide);
        ArgumentOutOfRangeException.ThrowIfNegative(stride);
        if (!Enum.IsDefined(format))
        {
            throw new ArgumentOutOfRangeException(nameof(format), format, "unknown pixel format");
        }

        // Sides of at most MaxSide keep a row (≤ 4 × MaxSide bytes) within int; the image's size needs long.
        var rowBytes = width * BytesPerPixel(format);
        stride = stride == 0 ? rowBytes : stride;
        if (stride < rowBytes)
        {
            throw new ArgumentException($"Stride {stride} is smaller than a row of {width} {format} pixels ({rowBytes} bytes).", nameof(stride));
        }

        var needed = ((long)stride * (height - 1)) + rowBytes;
        if (pixels.Length < needed)
        {
            throw new ArgumentException($"A {width}×{height} {format} image with stride {stride} needs {needed} bytes; got {pixels.Length}.", nameof(pixels));
        }

        Pixels = pixels;
        Width = width;
        Height = height;
        Format = format;
        Stride = stride;
    }

    /// <summary>The pixel bytes.</summary>
    public byte[] Pixels { get; }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Channel layout.</summary>
    public PixelFormat Format { get; }

    /// <summary>Bytes from one row to the next.</summary>
    public int Stride { get; }

    /// <summary>Decodes an image file (PNG, JPEG, …) as OpenCV reads it: gray stays gray, colour becomes BGR or BGRA.</summary>
    /// <exception cref="FileNotFoundException">The file is not there.</exception>
    /// <exception cref="ImageFormatException">The file is not a readable image, or not 8-bit gray, BGR or BGRA; the message names it.</exception>
    public static ImageData Read(string file)
    {
        ArgumentException.ThrowIfNullOrEmpty(file);
        using var image = Decode(file, ImreadModes.Unchanged);
        if (image.Depth() != MatType.CV_8U)
        {
            throw new ImageFormatException(file, $"{image.Type()} pixels are not supported (8-bit only)");
        }

        var format = image.Channels() switch
        {
            1 => PixelFormat.Gray8,
            3 => PixelFormat.Bgr24,
            4 => PixelFormat.Bgra32,
            var channels => throw new ImageFormatException(file, $"{channels}-channel images are not supported"),
        };
        if (image.Width > MaxSide || image.Height > MaxSide)
        {
            throw new ImageFormatException(file, $"{image.Width}×{image.Height} pixels; at most {MaxSide} per side are supported");
        }

        // MaxSide² × 4 bytes can exceed an array, so check; imdecode returns a freshly allocated, continuous matrix.
        var length = (long)image.Width * image.Height * image.Channels();
        if (length > Array.MaxLength)
        {
            throw new ImageFormatException(file, $"a {image.Width}×{image.Height} image is too large to hold");
        }

        var pixels = new byte[length];
        System.Runtime.InteropServices.Marshal.Copy(image.Data, pixels, 0, pixels.Length);

        return new ImageData(pixels, image.Width, image.Height, format);
    }

    /// <summary>Decodes <paramref name="file"/> with OpenCV in <paramref name="mode"/>; the caller disposes the result.</summary>
    /// <exception cref="FileNotFoundException">The file is not there.</exception>
    /// <exception cref="ImageFormatException">The file is not a readable image.</exception>
    internal static Mat Decode(string file, ImreadModes mode)
    {
        if (Directory.Exists(file))
        {
            throw new ImageFormatException(file, "is a folder, not an image file");
        }

        // Read here rather than by imread, so a missing file is FileNotFoundException and any path OpenCV would
        // misread (non-ASCII on Windows) still works.
        var bytes = File.ReadAllBytes(file);
        if (bytes.Length == 0)
        {
            throw new ImageFormatException(file, "the file is empty, not an image");
        }

        OpenCvRuntime.EnsureLoaded();

        Mat image;
        try
        {
            image = Cv2.ImDecode(bytes, mode);
        }
        catch (OpenCVException e)
        {
            // OpenCV refuses some headers (a declared size beyond its limits) by throwing rather than returning nothing.
            throw new ImageFormatException(file, $"not a readable image ({e.ErrMsg})", e);
        }

        if (image.Empty())
        {
            image.Dispose();
            throw new ImageFormatException(file, "not a readable image (truncated, corrupt, or in a format OpenCV does not read)");
        }

        return image;
    }

    /// <summary>Bytes per pixel of a format.</summary>
    public static int BytesPerPixel(PixelFormat format) => format switch
    {
        PixelFormat.Gray8 => 1,
        PixelFormat.Bgr24 or PixelFormat.Rgb24 => 3,
        PixelFormat.Bgra32 or PixelFormat.Rgba32 => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown pixel format"),
    };
}
