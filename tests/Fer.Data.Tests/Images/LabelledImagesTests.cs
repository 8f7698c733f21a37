using OpenCvSharp;

namespace PersonalFer.Data.Tests;

public sealed class LabelledImagesTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("fer-labelled-");

    public void Dispose() => _root.Delete(recursive: true);

    private string WriteImage(string relativePath, int width, int height, byte value, int channels = 1)
    {
        var path = Path.Combine(_root.FullName, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var image = new Mat(height, width, channels == 1 ? MatType.CV_8UC1 : MatType.CV_8UC3, Scalar.All(value));
        Assert.True(Cv2.ImWrite(path, image));
        return path;
    }

    [Fact]
    public void A_persons_labelled_images_load_from_expression_folders_in_any_case()
    {
        WriteImage("Happy/1.jpg", 120, 90, 200, channels: 3);
        WriteImage("happy/2.png", 64, 64, 100);
        WriteImage("SURPRISE/3.png", 50, 40, 30, channels: 3);

        var images = LabelledImages.FromFolder(_root.FullName);

        Assert.Equal(3, images.Count);
        Assert.Equal([0, 0, 0, 2, 0, 1, 0], images.CountsPerExpression());
        var jpeg = images.Single(i => i.Source.EndsWith("1.jpg", StringComparison.Ordinal));
        Assert.Equal((120, 90, PixelFormat.Bgr24), (jpeg.Image.Width, jpeg.Image.Height, jpeg.Image.Format));
        Assert.Equal(PixelFormat.Gray8, images.Single(i => i.Source.EndsWith("2.png", StringComparison.Ordinal)).Image.Format);
        Assert.All(images, i => Assert.False(i.IsFaceCrop));
    }

    [Fact]
    public void Bad_personal_folders_are_named()
    {
        Assert.Throws<DirectoryNotFoundException>(() => LabelledImages.FromFolder(Path.Combine(_root.FullName, "missing")));
        Assert.Contains("no images found", Assert.Throws<ImageFormatException>(() => LabelledImages.FromFolder(_root.FullName)).Message, StringComparison.Ordinal);
        WriteImage("grumpy/1.png", 10, 10, 1);
        Assert.Contains("not an expression folder", Assert.Throws<ImageFormatException>(() => LabelledImages.FromFolder(_root.FullName)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_image_outside_the_expression_folders_has_no_label_and_is_an_error()
    {
        WriteImage("happy/1.png", 8, 8, 1);
        var stray = WriteImage("2.png", 8, 8, 1);

        var error = Assert.Throws<ImageFormatException>(() => LabelledImages.FromFolder(_root.FullName));

        Assert.Equal(stray, error.File);
        Assert.Contains("is not in an expression folder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hidden_folders_and_files_are_not_part_of_the_layout()
    {
        WriteImage("happy/1.png", 8, 8, 1);
        WriteImage(".ipynb_checkpoints/2.png", 8, 8, 1);
        File.WriteAllText(Path.Combine(_root.FullName, "happy", "._1.png"), "macOS resource fork, not an image");

        Assert.Single(LabelledImages.FromFolder(_root.FullName));
    }

    [Theory]
    [InlineData("happy,happy")]
    [InlineData("Angry, Angry")]
    [InlineData(" happy")]
    [InlineData("3")]
    [InlineData("Happiness")]
    public void Only_an_expression_name_itself_names_an_expression_folder(string folder)
    {
        var directory = Path.Combine(_root.FullName, folder);
        WriteImage(Path.Combine(folder, "1.png"), 8, 8, 1);

        Assert.Equal(directory, Assert.Throws<ImageFormatException>(() => LabelledImages.FromFolder(_root.FullName)).File);
    }

    [Fact]
    public void A_truncated_image_names_its_file()
    {
        var good = WriteImage("sad/1.png", 8, 8, 1);
        var cut = Path.Combine(_root.FullName, "sad", "2.png");
        File.WriteAllBytes(cut, File.ReadAllBytes(good)[..40]);

        var error = Assert.Throws<ImageFormatException>(() => LabelledImages.FromFolder(_root.FullName));

        Assert.Equal(cut, error.File);
        Assert.Contains("not a readable image", error.Message, StringComparison.Ordinal);
    }
}
