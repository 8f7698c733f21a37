namespace PersonalFer.Data;

/// <summary>
/// A raw 8-bit image: rows of <see cref="Stride"/> bytes, each holding <see cref="Width"/> pixels of
/// <see cref="Format"/>. How frames and samples cross the API without OpenCV types.
/// </summary>
public sealed record ImageData
{
    /// <summary>Wraps <paramref name="pixels"/> (not copied) after checking that the sizes agree.</summary>
    /// <exception cref="ArgumentException">A size is not positive, the stride is too small, or the buffer too short.</exception>
    public ImageData(byte[] pixels, int width, int height, PixelFormat format, int stride = 0)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (!Enum.IsDefined(format))
        {
            throw new ArgumentOutOfRangeException(nameof(format), format, "unknown pixel format");
        }

        var rowBytes = width * BytesPerPixel(format);
        stride = stride == 0 ? rowBytes : stride;
        if (stride < rowBytes)
        {
            throw new ArgumentException($"Stride {stride} is smaller than a row of {width} {format} pixels ({rowBytes} bytes).", nameof(stride));
        }

        if (pixels.Length < ((long)stride * (height - 1)) + rowBytes)
        {
            throw new ArgumentException($"A {width}×{height} {format} image with stride {stride} needs {((long)stride * (height - 1)) + rowBytes} bytes; got {pixels.Length}.", nameof(pixels));
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

    /// <summary>Bytes per pixel of a format.</summary>
    public static int BytesPerPixel(PixelFormat format) => format switch
    {
        PixelFormat.Gray8 => 1,
        PixelFormat.Bgr24 or PixelFormat.Rgb24 => 3,
        PixelFormat.Bgra32 or PixelFormat.Rgba32 => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown pixel format"),
    };
}
