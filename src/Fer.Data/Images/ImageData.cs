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

    /// <summary>
    /// The most pixels <see cref="Decode(ReadOnlySpan{byte}, string?)"/> (and classifying encoded bytes) decodes: 67,108,864, e.g. 8192×8192. It
    /// is checked against the size the image's header declares, before anything of that size is allocated.
    /// </summary>
    public const int MaxDecodedPixels = 1 << 26;

    /// <summary>The most bytes of an encoded image read from a stream (64 MiB).</summary>
    public const int MaxEncodedBytes = 64 << 20;

    /// <summary>What errors call encoded bytes that have no name.</summary>
    internal const string DefaultEncodedSource = "encoded image";

    /// <summary>Wraps <paramref name="pixels"/> (not copied) after checking that the sizes agree.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A side is not positive or exceeds <see cref="MaxSide"/>, the stride is negative, or the format unknown.</exception>
    /// <exception cref="ArgumentException">The stride is smaller than a row, or the buffer too short for the image.</exception>
    public ImageData(byte[] pixels, int width, int height, PixelFormat format, int stride = 0)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        stride = CheckedStride(pixels, width, height, format, stride);
        Pixels = pixels;
        Width = width;
        Height = height;
        Format = format;
        Stride = stride;
    }

    /// <summary>
    /// An image copied out of <paramref name="pixels"/> (a <see cref="ReadOnlyMemory{T}"/>'s <c>Span</c>, a pooled or
    /// native buffer, a slice of a larger one) after the same checks as the constructor: the caller may reuse its
    /// buffer as soon as this returns. Only the bytes the image spans are copied, so <see cref="Pixels"/> may be
    /// shorter than <paramref name="pixels"/>. The constructor, given a <c>byte[]</c>, wraps it without a copy.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A side is not positive or exceeds <see cref="MaxSide"/>, the stride is negative, or the format unknown.</exception>
    /// <exception cref="ArgumentException">The stride is smaller than a row, or the buffer too short for the image.</exception>
    public static ImageData CopyOf(ReadOnlySpan<byte> pixels, int width, int height, PixelFormat format, int stride = 0)
    {
        stride = CheckedStride(pixels, width, height, format, stride);
        return new ImageData(pixels[..(int)SpannedBytes(width, height, format, stride)].ToArray(), width, height, format, stride);
    }

    // The sizes checked against the buffer; the stride to use (a row's bytes when 0).
    private static int CheckedStride(ReadOnlySpan<byte> pixels, int width, int height, PixelFormat format, int stride)
    {
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

        var needed = SpannedBytes(width, height, format, stride);
        if (pixels.Length < needed)
        {
            throw new ArgumentException($"A {width}×{height} {format} image with stride {stride} needs {needed} bytes; got {pixels.Length}.", nameof(pixels));
        }

        return stride;
    }

    // From the first pixel to the last: the last row needs no padding.
    private static long SpannedBytes(int width, int height, PixelFormat format, int stride) =>
        ((long)stride * (height - 1)) + (width * BytesPerPixel(format));

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
        using var image = EncodedImage.Checked(Decode(file, ImreadModes.Unchanged), file);
        return EncodedImage.Copy(image, file);
    }

    /// <summary>
    /// Decodes an encoded PNG, JPEG, BMP or WebP image held in memory (an upload, a request body) as
    /// <see cref="Read"/> does a file. The bytes are not trusted: the size the header declares is checked against
    /// <see cref="MaxSide"/> and <see cref="MaxDecodedPixels"/> before anything is decoded, so other formats, whose
    /// header is not read, are refused. The result owns a copy of the pixels.
    /// </summary>
    /// <param name="encoded">The encoded image.</param>
    /// <param name="source">What errors call the image (e.g. the uploaded file's name); default "encoded image".</param>
    /// <exception cref="ImageFormatException">
    /// No bytes, not a PNG, JPEG, BMP or WebP image, a declared size over the limits, unreadable (truncated,
    /// corrupt), or not 8-bit gray, BGR or BGRA; the message says which.
    /// </exception>
    public static ImageData Decode(ReadOnlySpan<byte> encoded, string? source = null)
    {
        source ??= DefaultEncodedSource;
        using var image = EncodedImage.Decode(encoded, source);
        return EncodedImage.Copy(image, source);
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

        return EncodedImage.Decode(bytes, file, mode);
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
