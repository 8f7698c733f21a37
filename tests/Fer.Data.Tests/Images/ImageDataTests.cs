using OpenCvSharp;

namespace PersonalFer.Data.Tests;

public sealed class ImageDataTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("fer-image-");

    public void Dispose() => _directory.Delete(recursive: true);

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_directory.FullName, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Image_data_checks_its_sizes()
    {
        Assert.Throws<ArgumentException>(() => new ImageData(new byte[10], 4, 4, PixelFormat.Gray8));
        Assert.Throws<ArgumentException>(() => new ImageData(new byte[100], 4, 4, PixelFormat.Bgr24, stride: 8));
        var padded = new ImageData(new byte[(16 * 3) + 12], 4, 4, PixelFormat.Bgr24, stride: 16);
        Assert.Equal(16, padded.Stride);
    }

    [Fact]
    public void A_missing_file_is_not_found_and_a_folder_is_not_an_image()
    {
        var missing = Path.Combine(_directory.FullName, "nope.png");
        Assert.Equal(missing, Assert.Throws<FileNotFoundException>(() => ImageData.Read(missing)).FileName);
        Assert.Equal(_directory.FullName, Assert.Throws<ImageFormatException>(() => ImageData.Read(_directory.FullName)).File);
    }

    [Theory]
    [InlineData("empty.png", "the file is empty")]
    [InlineData("text.png", "not a readable image")]
    [InlineData("cut.png", "not a readable image")]
    public void Unreadable_files_are_image_format_errors_naming_the_file(string name, string problem)
    {
        var png = SampleImages.Encode(".png", 6, 5, 3, seed: 1);
        byte[] bytes = name switch
        {
            "empty.png" => [],
            "text.png" => "not an image"u8.ToArray(),
            _ => png[..(png.Length - 20)],
        };
        var path = Write(name, bytes);

        var error = Assert.Throws<ImageFormatException>(() => ImageData.Read(path));

        Assert.Equal(path, error.File);
        Assert.StartsWith($"{path}: {problem}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_declared_size_OpenCV_refuses_is_an_image_format_error_not_an_OpenCV_exception()
    {
        var path = Write("wide.bmp", SampleImages.BmpDeclaringWidth(1 << 24));

        var error = Assert.Throws<ImageFormatException>(() => ImageData.Read(path));

        Assert.Contains("CV_IO_MAX_IMAGE_WIDTH", error.Message, StringComparison.Ordinal);
        Assert.IsType<OpenCVException>(error.InnerException);
    }

    [Fact]
    public void Sixteen_bit_images_are_refused_by_name()
    {
        using var deep = new Mat(4, 4, MatType.CV_16UC1, Scalar.All(1000));
        Assert.True(Cv2.ImEncode(".png", deep, out var png));
        var path = Write("deep.png", png);

        Assert.Equal($"{path}: CV_16UC1 pixels are not supported (8-bit only)", Assert.Throws<ImageFormatException>(() => ImageData.Read(path)).Message);
    }
}
