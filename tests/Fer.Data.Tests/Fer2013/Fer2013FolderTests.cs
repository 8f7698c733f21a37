using OpenCvSharp;

namespace PersonalFer.Data.Tests;

public sealed class Fer2013FolderTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("fer-folders-");

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
    public void Kaggle_folders_give_splits_from_prefixes_and_labels_from_folders()
    {
        WriteImage("train/happy/Training_1.png", 48, 48, 10);
        WriteImage("train/angry/Training_2.png", 48, 48, 20);
        WriteImage("test/sad/PublicTest_3.png", 48, 48, 30);
        WriteImage("test/surprise/PrivateTest_4.png", 48, 48, 40);
        WriteImage("test/neutral/5.png", 48, 48, 50);

        var data = Fer2013.Load(_root.FullName);

        Assert.Equal([Expression.Angry, Expression.Happy], data.Training.Labels);
        Assert.Equal(20, data.Training.Image(0)[0]);
        Assert.Equal(Expression.Sad, Assert.Single(data.PublicTest.Labels));
        Assert.Equal([Expression.Neutral, Expression.Surprise], data.PrivateTest.Labels);
        Assert.Equal(50, data.PrivateTest.Image(0)[100]);
    }

    [Fact]
    public void Unknown_class_folders_and_wrong_sizes_are_named()
    {
        WriteImage("train/contempt/a.png", 48, 48, 1);
        var folder = Assert.Throws<Fer2013FormatException>(() => Fer2013.Load(_root.FullName));
        Assert.Contains("unknown class folder 'contempt'", folder.Message, StringComparison.Ordinal);

        Directory.Delete(Path.Combine(_root.FullName, "train", "contempt"), recursive: true);
        var big = WriteImage("train/fear/b.png", 64, 48, 1);
        var size = Assert.Throws<Fer2013FormatException>(() => Fer2013.Load(_root.FullName));
        Assert.Equal(big, size.File);
        Assert.Contains("expected a 48×48 image, got 64×48", size.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unreadable_images_are_errors_or_skipped_when_asked()
    {
        WriteImage("train/fear/good.png", 48, 48, 1);
        var bad = Path.Combine(_root.FullName, "train", "fear", "bad.png");
        File.WriteAllText(bad, "not an image");

        Assert.Equal(bad, Assert.Throws<Fer2013FormatException>(() => Fer2013.Load(_root.FullName)).File);
        var data = Fer2013.Load(_root.FullName, new Fer2013LoadOptions { SkipMalformedRows = true });
        Assert.Equal(1, data.Training.Count);
        Assert.Equal(bad, Assert.Single(data.SkippedRows).File);
    }

    [Fact]
    public void A_folder_without_train_or_test_is_not_FER2013()
    {
        var error = Assert.Throws<Fer2013FormatException>(() => Fer2013.Load(_root.FullName));
        Assert.Contains("neither a FER2013 CSV nor a folder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_image_outside_the_class_folders_is_an_error_or_skipped_when_asked()
    {
        WriteImage("train/happy/Training_1.png", 48, 48, 1);
        var stray = WriteImage("train/Training_2.png", 48, 48, 1);

        var error = Assert.Throws<Fer2013FormatException>(() => Fer2013.Load(_root.FullName));
        Assert.Equal(stray, error.File);
        Assert.Contains("is not in a class folder", error.Message, StringComparison.Ordinal);
        var data = Fer2013.Load(_root.FullName, new Fer2013LoadOptions { SkipMalformedRows = true });
        Assert.Equal(1, data.Training.Count);
        Assert.Equal(stray, Assert.Single(data.SkippedRows).File);
    }

    [Fact]
    public void Class_folders_without_images_are_an_error_not_an_empty_data_set()
    {
        Directory.CreateDirectory(Path.Combine(_root.FullName, "train", "happy"));
        File.WriteAllText(Path.Combine(_root.FullName, "train", "happy", "notes.txt"), "no images here");

        Assert.Contains("no images", Assert.Throws<Fer2013FormatException>(() => Fer2013.Load(_root.FullName)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hidden_folders_are_not_class_folders()
    {
        WriteImage("train/happy/Training_1.png", 48, 48, 1);
        WriteImage("train/.ipynb_checkpoints/Training_2.png", 48, 48, 1);

        Assert.Equal(1, Fer2013.Load(_root.FullName).Count);
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("huge-declared-width")]
    public void Images_OpenCV_cannot_read_are_format_errors_naming_the_file(string kind)
    {
        var path = Path.Combine(_root.FullName, "train", "fear", "Training_1.bmp");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, kind == "empty" ? [] : SampleImages.BmpDeclaringWidth(1 << 24));

        Assert.Equal(path, Assert.Throws<Fer2013FormatException>(() => Fer2013.Load(_root.FullName)).File);
    }

    [Fact]
    public void A_path_that_is_not_there_is_not_found()
    {
        var missing = Path.Combine(_root.FullName, "nowhere");
        Assert.Equal(missing, Assert.Throws<FileNotFoundException>(() => Fer2013.Load(missing)).FileName);
    }
}
