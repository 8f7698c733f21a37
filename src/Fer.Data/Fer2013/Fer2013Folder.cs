using OpenCvSharp;

namespace PersonalFer.Data;

/// <summary>
/// Reads the Kaggle folder layout of FER2013 most people download today: <c>train/&lt;class&gt;/*.jpg|png</c> and
/// <c>test/&lt;class&gt;/*</c> with class folders angry, disgust, fear, happy, neutral, sad, surprise. The split comes
/// from the file-name prefix (<c>Training_</c>, <c>PublicTest_</c>, <c>PrivateTest_</c>) where present, else from the
/// folder (train → Training, test → PrivateTest).
/// </summary>
internal static class Fer2013Folder
{
    public static void Read(string root, Fer2013DataBuilder builder, Fer2013LoadOptions options)
    {
        var found = false;
        var row = 0;
        foreach (var (folder, defaultSplit) in new[] { ("train", Fer2013Split.Training), ("test", Fer2013Split.PrivateTest) })
        {
            var splitDirectory = Path.Combine(root, folder);
            if (!Directory.Exists(splitDirectory))
            {
                continue;
            }

            found = true;
            foreach (var classDirectory in Directory.GetDirectories(splitDirectory).Order(StringComparer.Ordinal))
            {
                var label = ExpressionFolders.Parse(classDirectory)
                    ?? throw new Fer2013FormatException(classDirectory, 0, $"unknown class folder '{Path.GetFileName(classDirectory)}' (expected {ExpressionFolders.Expected})");
                foreach (var file in ExpressionFolders.ImageFiles(classDirectory))
                {
                    try
                    {
                        var pixels = Decode48(file);
                        builder.Add(row++, SplitOf(Path.GetFileName(file), defaultSplit), pixels, label);
                    }
                    catch (Fer2013FormatException error) when (options.SkipMalformedRows)
                    {
                        builder.Skip(error);
                    }
                }
            }
        }

        if (!found)
        {
            throw new Fer2013FormatException(root, 0, "neither a FER2013 CSV nor a folder with train/ or test/ inside");
        }
    }

    private static Fer2013Split SplitOf(string fileName, Fer2013Split fallback) =>
        fileName.StartsWith("Training_", StringComparison.Ordinal) ? Fer2013Split.Training
        : fileName.StartsWith("PublicTest_", StringComparison.Ordinal) ? Fer2013Split.PublicTest
        : fileName.StartsWith("PrivateTest_", StringComparison.Ordinal) ? Fer2013Split.PrivateTest
        : fallback;

    private static byte[] Decode48(string file)
    {
        using var image = Cv2.ImRead(file, ImreadModes.Grayscale);
        if (image.Empty())
        {
            throw new Fer2013FormatException(file, 0, "not a readable image");
        }

        if (image.Width != FaceImage.Size || image.Height != FaceImage.Size)
        {
            throw new Fer2013FormatException(file, 0, $"expected a {FaceImage.Size}×{FaceImage.Size} image, got {image.Width}×{image.Height}");
        }

        image.GetArray(out byte[] pixels);
        return pixels;
    }
}
