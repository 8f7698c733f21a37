using System.Buffers.Binary;
using OpenCvSharp;

namespace PersonalFer.Data;

/// <summary>
/// Decodes images with OpenCV and checks what comes out. Bytes from a caller (an upload, a request body) are not
/// trusted: OpenCV allocates whatever a header declares, up to 2^30 pixels (gigabytes), before it finds out that
/// the data behind the header is missing. So their declared size is read from the header first, for the formats
/// whose header is read here (PNG, JPEG, BMP, WebP), and anything else is refused.
/// </summary>
internal static class EncodedImage
{
    private const int PngHeaderBytes = 24;
    private const int BmpHeaderBytes = 26;
    private const int BmpCoreHeaderSize = 12;
    private const int WebPHeaderBytes = 30;

    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static ReadOnlySpan<byte> JpegSignature => [0xFF, 0xD8, 0xFF];

    private static ReadOnlySpan<byte> Vp8StartCode => [0x9D, 0x01, 0x2A];

    /// <summary>Decodes untrusted bytes: the declared size is checked before decoding, the image after.</summary>
    /// <exception cref="ImageFormatException">Empty, not a PNG, JPEG, BMP or WebP image, too large, unreadable, or not 8-bit gray, BGR or BGRA.</exception>
    public static Mat Decode(ReadOnlySpan<byte> encoded, string source)
    {
        if (encoded.IsEmpty)
        {
            throw new ImageFormatException(source, "no bytes, not an image");
        }

        var (format, width, height) = DeclaredSize(encoded)
            ?? throw new ImageFormatException(source, "not a PNG, JPEG, BMP or WebP image (the formats whose size is checked before decoding)");
        if (width <= 0 || height <= 0)
        {
            throw new ImageFormatException(source, $"not a readable {format} image (its header declares no size, or is cut short)");
        }

        if (width > ImageData.MaxSide || height > ImageData.MaxSide || width * height > ImageData.MaxDecodedPixels)
        {
            throw new ImageFormatException(source, $"the {format} header declares {width}×{height} pixels; at most {ImageData.MaxSide} per side and {ImageData.MaxDecodedPixels:N0} in all are decoded");
        }

        return Checked(Decode(encoded, source, ImreadModes.Unchanged), source);
    }

    /// <summary>Decodes with OpenCV in <paramref name="mode"/>; the caller disposes the result.</summary>
    /// <exception cref="ImageFormatException">OpenCV cannot read it.</exception>
    /// <exception cref="OpenCvRuntimeException">OpenCV's native library is missing; the message says what to add.</exception>
    public static Mat Decode(ReadOnlySpan<byte> encoded, string source, ImreadModes mode)
    {
        OpenCvRuntime.EnsureLoaded();
        Mat image;
        try
        {
            image = Cv2.ImDecode(encoded, mode);
        }
        catch (OpenCVException e)
        {
            // OpenCV refuses some headers (a declared size beyond its limits) by throwing rather than returning nothing.
            throw new ImageFormatException(source, $"not a readable image ({e.ErrMsg})", e);
        }

        if (image.Empty())
        {
            image.Dispose();
            throw new ImageFormatException(source, "not a readable image (truncated, corrupt, or in a format OpenCV does not read)");
        }

        return image;
    }

    /// <summary>
    /// <paramref name="image"/> if it is 8-bit gray, BGR or BGRA within <see cref="ImageData.MaxSide"/>; otherwise
    /// it is disposed and the problem raised.
    /// </summary>
    /// <exception cref="ImageFormatException">Another depth or channel count, or too large.</exception>
    public static Mat Checked(Mat image, string source)
    {
        var problem = image.Depth() != MatType.CV_8U ? $"{image.Type()} pixels are not supported (8-bit only)"
            : image.Channels() is not (1 or 3 or 4) ? $"{image.Channels()}-channel images are not supported"
            : image.Width > ImageData.MaxSide || image.Height > ImageData.MaxSide ? $"{image.Width}×{image.Height} pixels; at most {ImageData.MaxSide} per side are supported"
            : null;
        if (problem is null)
        {
            return image;
        }

        image.Dispose();
        throw new ImageFormatException(source, problem);
    }

    /// <summary>A copy of a checked, decoded image (imdecode returns a freshly allocated, continuous matrix).</summary>
    /// <exception cref="ImageFormatException">The image is too large for one array.</exception>
    public static ImageData Copy(Mat image, string source)
    {
        var format = image.Channels() switch
        {
            1 => PixelFormat.Gray8,
            3 => PixelFormat.Bgr24,
            _ => PixelFormat.Bgra32,
        };

        // MaxSide² × 4 bytes can exceed an array, so check.
        var length = (long)image.Width * image.Height * image.Channels();
        if (length > Array.MaxLength)
        {
            throw new ImageFormatException(source, $"a {image.Width}×{image.Height} image is too large to hold");
        }

        var pixels = new byte[length];
        System.Runtime.InteropServices.Marshal.Copy(image.Data, pixels, 0, pixels.Length);
        return new ImageData(pixels, image.Width, image.Height, format);
    }

    /// <summary>
    /// The format and the size its header declares, (format, 0, 0) when the header is cut short or declares no
    /// size, null for a format not read here.
    /// </summary>
    internal static (string Format, long Width, long Height)? DeclaredSize(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith(PngSignature) ? Png(bytes)
        : bytes.StartsWith(JpegSignature) ? Jpeg(bytes)
        : bytes.StartsWith("BM"u8) ? Bmp(bytes)
        : bytes.Length >= 12 && bytes.StartsWith("RIFF"u8) && bytes[8..12].SequenceEqual("WEBP"u8) ? WebP(bytes)
        : null;

    // The IHDR chunk comes first: width and height as big-endian 32-bit integers.
    private static (string, long, long) Png(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= PngHeaderBytes && bytes[12..16].SequenceEqual("IHDR"u8)
            ? ("PNG", BinaryPrimitives.ReadUInt32BigEndian(bytes[16..]), BinaryPrimitives.ReadUInt32BigEndian(bytes[20..]))
            : ("PNG", 0, 0);

    // Segments up to the first start-of-frame marker, which holds the height and width.
    private static (string, long, long) Jpeg(ReadOnlySpan<byte> bytes)
    {
        var i = 2;
        while (i + 3 < bytes.Length)
        {
            if (bytes[i] != 0xFF)
            {
                break;
            }

            var marker = bytes[i + 1];
            if (marker == 0xFF)
            {
                i++; // fill byte
                continue;
            }

            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
            {
                i += 2; // markers without a length
                continue;
            }

            if (marker is 0xD9 or 0xDA)
            {
                break; // the image ends, or its data starts, before any frame header
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(bytes[(i + 2)..]);
            if (marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC))
            {
                return i + 9 <= bytes.Length
                    ? ("JPEG", BinaryPrimitives.ReadUInt16BigEndian(bytes[(i + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(bytes[(i + 5)..]))
                    : ("JPEG", 0, 0);
            }

            i += 2 + length;
        }

        return ("JPEG", 0, 0);
    }

    // BITMAPCOREHEADER has 16-bit sides; later headers 32-bit ones, the height negative for top-down rows.
    private static (string, long, long) Bmp(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < BmpHeaderBytes)
        {
            return ("BMP", 0, 0);
        }

        return BinaryPrimitives.ReadInt32LittleEndian(bytes[14..]) == BmpCoreHeaderSize
            ? ("BMP", BinaryPrimitives.ReadUInt16LittleEndian(bytes[18..]), BinaryPrimitives.ReadUInt16LittleEndian(bytes[20..]))
            : ("BMP", BinaryPrimitives.ReadInt32LittleEndian(bytes[18..]), Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(bytes[22..])));
    }

    // The first chunk: VP8 (lossy, 14-bit sides after the start code), VP8L (lossless, 14-bit sides minus one) or
    // VP8X (extended, 24-bit canvas sides minus one).
    private static (string, long, long) WebP(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < WebPHeaderBytes)
        {
            return ("WebP", 0, 0);
        }

        var chunk = bytes[12..16];
        if (chunk.SequenceEqual("VP8 "u8) && bytes[23..26].SequenceEqual(Vp8StartCode))
        {
            return ("WebP", BinaryPrimitives.ReadUInt16LittleEndian(bytes[26..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(bytes[28..]) & 0x3FFF);
        }

        if (chunk.SequenceEqual("VP8L"u8) && bytes[20] == 0x2F)
        {
            var bits = BinaryPrimitives.ReadUInt32LittleEndian(bytes[21..]);
            return ("WebP", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
        }

        if (chunk.SequenceEqual("VP8X"u8))
        {
            static long Side(ReadOnlySpan<byte> b) => (b[0] | (b[1] << 8) | (b[2] << 16)) + 1L;
            return ("WebP", Side(bytes[24..]), Side(bytes[27..]));
        }

        return ("WebP", 0, 0);
    }
}
