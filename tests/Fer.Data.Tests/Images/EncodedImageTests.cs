using System.Buffers.Binary;
using OpenCvSharp;

namespace PersonalFer.Data.Tests;

/// <summary>
/// Encoded images from memory (<c>ImageData.Decode</c>): decoded as files are, their declared size checked before
/// OpenCV allocates anything, and every unreadable input a typed error. And <c>ImageData.CopyOf</c>.
/// </summary>
public sealed class EncodedImageTests
{
    [Theory]
    [InlineData(".png", 1)]
    [InlineData(".png", 3)]
    [InlineData(".png", 4)]
    [InlineData(".bmp", 3)]
    [InlineData(".jpg", 3)]
    [InlineData(".jpg", 1)]
    [InlineData(".webp", 3)]
    public void Encoded_bytes_decode_as_the_same_file_reads_and_declare_their_true_size(string extension, int channels)
    {
        var encoded = SampleImages.Encode(extension, 37, 23, channels, seed: channels);
        var path = Path.Combine(Path.GetTempPath(), $"fer-encoded-{Guid.NewGuid():N}{extension}");
        File.WriteAllBytes(path, encoded);
        try
        {
            var fromFile = ImageData.Read(path);
            var decoded = ImageData.Decode(encoded);

            Assert.Equal((37L, 23L), (EncodedImage.DeclaredSize(encoded)!.Value.Width, EncodedImage.DeclaredSize(encoded)!.Value.Height));
            Assert.Equal((fromFile.Width, fromFile.Height, fromFile.Format, fromFile.Stride), (decoded.Width, decoded.Height, decoded.Format, decoded.Stride));
            Assert.Equal(fromFile.Pixels, decoded.Pixels);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Empty_garbage_truncated_and_unsupported_bytes_are_image_format_errors_naming_the_source()
    {
        var png = SampleImages.Encode(".png", 40, 30, 3, seed: 1);
        using var tiffImage = new Mat(8, 8, MatType.CV_8UC3, Scalar.All(9));
        Cv2.ImEncode(".tiff", tiffImage, out var tiff);

        Assert.Equal("encoded image: no bytes, not an image", Assert.Throws<ImageFormatException>(() => ImageData.Decode([])).Message);
        Assert.Contains("not a PNG, JPEG, BMP or WebP image", Assert.Throws<ImageFormatException>(() => ImageData.Decode("hello, world"u8, "upload.png")).Message, StringComparison.Ordinal);
        Assert.Equal("upload.png", Assert.Throws<ImageFormatException>(() => ImageData.Decode("hello"u8, "upload.png")).File);
        Assert.Contains("not a PNG, JPEG, BMP or WebP image", Assert.Throws<ImageFormatException>(() => ImageData.Decode(tiff)).Message, StringComparison.Ordinal);
        Assert.Contains("not a readable image", Assert.Throws<ImageFormatException>(() => ImageData.Decode(png.AsSpan(0, png.Length / 2))).Message, StringComparison.Ordinal);
        Assert.Contains("not a readable PNG image", Assert.Throws<ImageFormatException>(() => ImageData.Decode(png.AsSpan(0, 20))).Message, StringComparison.Ordinal);
        Assert.Contains("not a readable JPEG image", Assert.Throws<ImageFormatException>(() => ImageData.Decode([0xFF, 0xD8, 0xFF, 0xD9])).Message, StringComparison.Ordinal);
        Assert.Contains("16UC", Assert.Throws<ImageFormatException>(() => ImageData.Decode(Sixteen_bit_png())).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(32767, 32767)] // within OpenCV's own limit of 2^30 pixels: it would allocate 3 GB
    [InlineData(40000, 10)]
    [InlineData(10, 1 << 30)]
    [InlineData(0, 10)]
    public void A_png_header_declaring_a_size_over_the_limits_is_refused_before_decoding(int width, int height)
    {
        var png = SampleImages.Encode(".png", 4, 4, 3, seed: 2);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), height);

        var error = Assert.Throws<ImageFormatException>(() => ImageData.Decode(png));

        Assert.Contains(width == 0 ? "declares no size" : $"declares {width}×{height} pixels; at most 32767 per side and 67,108,864 in all", error.Message, StringComparison.Ordinal);
        Assert.Null(error.InnerException); // refused here, not by OpenCV
    }

    [Fact]
    public void Jpeg_bmp_and_webp_headers_declaring_huge_sizes_are_refused_before_decoding()
    {
        var bmp = SampleImages.BmpDeclaringWidth(30000);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(22), -30000); // top-down rows
        var jpeg = SampleImages.Encode(".jpg", 8, 8, 3, seed: 3);
        var sof = jpeg.AsSpan().IndexOf((ReadOnlySpan<byte>)[0xFF, 0xC0]);
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(sof + 5), 60000);
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(sof + 7), 60000);

        Assert.Contains("BMP header declares 30000×30000", Assert.Throws<ImageFormatException>(() => ImageData.Decode(bmp)).Message, StringComparison.Ordinal);
        Assert.Contains("JPEG header declares 60000×60000", Assert.Throws<ImageFormatException>(() => ImageData.Decode(jpeg)).Message, StringComparison.Ordinal);
        Assert.Equal(("WebP", 16384L, 16384L), EncodedImage.DeclaredSize([.. "RIFF\0\0\0\0WEBPVP8X\0\0\0\0\0\0\0\0"u8, 0xFF, 0x3F, 0x00, 0xFF, 0x3F, 0x00]));
    }

    [Fact]
    public void CopyOf_a_span_equals_the_array_it_came_from_and_keeps_the_constructors_checks()
    {
        var pixels = new byte[(16 * 3) + 12];
        new Random(4).NextBytes(pixels);
        var wrapped = new ImageData(pixels, 4, 4, PixelFormat.Bgr24, stride: 16);
        byte[] backing = [9, 9, .. pixels, 9];
        var memory = backing.AsMemory(2, pixels.Length);

        var copied = ImageData.CopyOf(memory.Span, 4, 4, PixelFormat.Bgr24, stride: 16);
        backing[2] ^= 0xFF;

        Assert.Equal((wrapped.Width, wrapped.Height, wrapped.Format, wrapped.Stride), (copied.Width, copied.Height, copied.Format, copied.Stride));
        Assert.Equal(wrapped.Pixels, copied.Pixels); // a copy: the later change to the source does not show
        Assert.Throws<ArgumentException>(() => ImageData.CopyOf(new byte[10], 4, 4, PixelFormat.Gray8));
        Assert.Throws<ArgumentException>(() => ImageData.CopyOf(new byte[100], 4, 4, PixelFormat.Bgr24, stride: 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageData.CopyOf(new byte[100], 0, 4, PixelFormat.Gray8));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageData.CopyOf(new byte[100], 4, 4, (PixelFormat)99));
    }

    private static byte[] Sixteen_bit_png()
    {
        using var image = new Mat(4, 4, MatType.CV_16UC1, Scalar.All(1000));
        Cv2.ImEncode(".png", image, out var encoded);
        return encoded;
    }
}
