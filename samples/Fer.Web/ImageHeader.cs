using System.Buffers.Binary;

namespace PersonalFer.Web;

/// <summary>
/// The size a JPEG or PNG declares in its header, read without decoding: a few kilobytes can declare a frame of
/// gigapixels, so the pixel limit is checked before OpenCV allocates anything.
/// </summary>
internal static class ImageHeader
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Reads the declared width and height; false when the bytes are neither a JPEG nor a PNG with a readable header.</summary>
    public static bool TryReadSize(ReadOnlySpan<byte> encoded, out int width, out int height)
    {
        width = height = 0;
        if (encoded.StartsWith(PngSignature))
        {
            // The IHDR chunk comes first: length (4), "IHDR" (4), width (4), height (4).
            if (encoded.Length < 24 || !encoded.Slice(12, 4).SequenceEqual("IHDR"u8))
            {
                return false;
            }

            var pngWidth = BinaryPrimitives.ReadUInt32BigEndian(encoded.Slice(16, 4));
            var pngHeight = BinaryPrimitives.ReadUInt32BigEndian(encoded.Slice(20, 4));
            if (pngWidth is 0 or > int.MaxValue || pngHeight is 0 or > int.MaxValue)
            {
                return false;
            }

            (width, height) = ((int)pngWidth, (int)pngHeight);
            return true;
        }

        return encoded.Length >= 4 && encoded[0] == 0xFF && encoded[1] == 0xD8 && TryReadJpegFrame(encoded, out width, out height);
    }

    private static bool TryReadJpegFrame(ReadOnlySpan<byte> encoded, out int width, out int height)
    {
        width = height = 0;
        var position = 2;
        while (position + 4 <= encoded.Length)
        {
            if (encoded[position] != 0xFF)
            {
                return false;
            }

            var marker = encoded[position + 1];
            if (marker == 0xFF)
            {
                position++; // fill byte
                continue;
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(encoded.Slice(position + 2, 2));
            if (length < 2)
            {
                return false;
            }

            // SOF0–SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC), which share the range.
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                if (position + 9 > encoded.Length)
                {
                    return false;
                }

                height = BinaryPrimitives.ReadUInt16BigEndian(encoded.Slice(position + 5, 2));
                width = BinaryPrimitives.ReadUInt16BigEndian(encoded.Slice(position + 7, 2));
                return width > 0 && height > 0;
            }

            // Start of scan before any frame header: not a JPEG OpenCV can decode.
            if (marker == 0xDA)
            {
                return false;
            }

            position += 2 + length;
        }

        return false;
    }
}
