using CsCheck;

namespace PersonalFer.Data.Tests;

/// <summary>
/// Folders of valid images made in code, then damaged (a file's bytes, or the layout): loading gives the images
/// unchanged or throws the reader's format exception naming the damaged file or folder, never anything else.
/// </summary>
public sealed class ImageFolderFuzzTests : IDisposable
{
    private static readonly string[] FolderNames = ["happy", "HAPPY", "Sad", "neutral", "grumpy", ".hidden", "happy,happy", "3", " fear"];
    private static readonly string[] FileNames = ["a.png", "b.PNG", "._c.png", "notes.txt", "d.jpeg", ".e.png", "f.bmp"];
    private static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp"];

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("fer-image-fuzz-");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void Damaged_labelled_images_load_unchanged_or_name_the_damaged_file()
    {
        // PNG is lossless and checksummed, so a damaged PNG that still loads must be unchanged; a JPEG has no checksum.
        var files = new (string Path, byte[] Bytes, bool IsChecked)[]
        {
            (Write("happy/1.png", SampleImages.Encode(".png", 7, 5, 1, seed: 1)), [], true),
            (Write("sad/2.png", SampleImages.Encode(".png", 6, 6, 3, seed: 2)), [], true),
            (Write("Neutral/3.png", SampleImages.Encode(".png", 5, 7, 4, seed: 3)), [], true),
            (Write("surprise/4.jpg", SampleImages.Encode(".jpg", 16, 16, 3, seed: 4)), [], false),
        };
        files = [.. files.Select(f => (f.Path, File.ReadAllBytes(f.Path), f.IsChecked))];
        var original = LabelledImages.FromFolder(_root.FullName).ToDictionary(i => i.Source, i => i.Image);

        Gen.Select(Gen.Int[0, files.Length - 1], Mutation.Bytes.Array[1, 2]).Sample((index, mutations) =>
        {
            var (path, bytes, isChecked) = files[index];
            File.WriteAllBytes(path, mutations.Aggregate(bytes, (b, mutation) => mutation.Apply(b)));
            try
            {
                var images = LabelledImages.FromFolder(_root.FullName);
                Assert.Equal(files.Length, images.Count);
                foreach (var image in images.Where(i => i.Source != path || isChecked))
                {
                    var expected = original[image.Source];
                    Assert.Equal((expected.Width, expected.Height, expected.Format), (image.Image.Width, image.Image.Height, image.Image.Format));
                    Assert.Equal(expected.Pixels, image.Image.Pixels);
                }
            }
            catch (ImageFormatException error)
            {
                Assert.Equal(path, error.File);
            }
            finally
            {
                File.WriteAllBytes(path, bytes);
            }
        }, iter: 1000, threads: 1);
    }

    [Fact]
    public void Damaged_FER2013_folder_images_load_unchanged_or_are_named_and_skippable()
    {
        var files = new[]
        {
            Write("train/happy/Training_1.png", SampleImages.Encode(".png", 48, 48, 1, seed: 1)),
            Write("train/fear/Training_2.png", SampleImages.Encode(".png", 48, 48, 3, seed: 2)),
            Write("test/sad/PublicTest_3.png", SampleImages.Encode(".png", 48, 48, 1, seed: 3)),
        };
        var bytes = files.Select(File.ReadAllBytes).ToArray();
        var original = Fer2013Samples.Faces(Fer2013.Load(_root.FullName)).ToArray();

        Gen.Select(Gen.Int[0, files.Length - 1], Mutation.Bytes.Array[1, 2], Gen.Bool).Sample((index, mutations, skip) =>
        {
            File.WriteAllBytes(files[index], mutations.Aggregate(bytes[index], (b, mutation) => mutation.Apply(b)));
            try
            {
                var data = Fer2013.Load(_root.FullName, new Fer2013LoadOptions { SkipMalformedRows = skip });
                if (data.SkippedRows.Count == 0)
                {
                    Assert.Equal(original, Fer2013Samples.Faces(data), FaceComparer.Instance);
                }
                else
                {
                    Assert.True(skip);
                    Assert.Equal(files[index], Assert.Single(data.SkippedRows).File);
                    Assert.Equal(original.Length - 1, data.Count);
                }
            }
            catch (Fer2013FormatException error)
            {
                Assert.False(skip, $"threw although asked to skip: {error.Message}");
                Assert.Equal(files[index], error.File);
            }
            finally
            {
                File.WriteAllBytes(files[index], bytes[index]);
            }
        }, iter: 600, threads: 1);
    }

    [Fact]
    public void Any_folder_layout_loads_every_labelled_image_or_names_what_is_wrong()
    {
        var png = SampleImages.Encode(".png", 48, 48, 1, seed: 5);
        var entries = Gen.Select(Gen.Int[-1, FolderNames.Length - 1], Gen.Int[0, FileNames.Length - 1]).Array[0, 6];
        Gen.Select(entries, Gen.Bool).Sample((layout, asFer2013) =>
        {
            // The layout goes under train/ for FER2013, where stray images and class folders follow the same rules.
            var root = Path.Combine(_root.FullName, Guid.NewGuid().ToString("N"));
            var top = asFer2013 ? Path.Combine(root, "train") : root;
            Directory.CreateDirectory(top);
            foreach (var (folder, file) in layout)
            {
                var directory = folder < 0 ? top : Path.Combine(top, FolderNames[folder]);
                Directory.CreateDirectory(directory);
                File.WriteAllBytes(Path.Combine(directory, FileNames[file]), FileNames[file].StartsWith('.') || FileNames[file].EndsWith(".txt", StringComparison.Ordinal) ? "not an image"u8.ToArray() : png);
            }

            var folders = layout.Where(e => e.Item1 >= 0).Select(e => FolderNames[e.Item1]).Distinct().ToArray();
            bool IsImage(string file) => !file.StartsWith('.') && ImageExtensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase);
            bool IsExpression(string folder) => Enum.GetNames<Expression>().Contains(folder, StringComparer.OrdinalIgnoreCase);
            var isValid = !layout.Any(e => e.Item1 < 0 && IsImage(FileNames[e.Item2]))
                && folders.Where(f => !f.StartsWith('.')).All(IsExpression);
            var images = layout.Distinct().Count(e => e.Item1 >= 0 && IsExpression(FolderNames[e.Item1]) && IsImage(FileNames[e.Item2]));
            try
            {
                var count = asFer2013 ? Fer2013.Load(root).Count : LabelledImages.FromFolder(root).Count;
                Assert.True(isValid && images > 0, "loaded a layout the rules reject");
                Assert.Equal(images, count);
            }
            catch (PersonalFerFormatException error) when (error is ImageFormatException or Fer2013FormatException)
            {
                Assert.False(isValid && images > 0, $"rejected a layout the rules accept: {error.Message}");
                Assert.IsType(asFer2013 ? typeof(Fer2013FormatException) : typeof(ImageFormatException), error);
                Assert.StartsWith(root, error.File, StringComparison.Ordinal);
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
        }, iter: 300, threads: 1);
    }

    private string Write(string relativePath, byte[] bytes)
    {
        var path = Path.Combine(_root.FullName, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
