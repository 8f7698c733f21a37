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
        var images = 0;
        foreach (var (folder, defaultSplit) in new[] { ("train", Fer2013Split.Training), ("test", Fer2013Split.PrivateTest) })
        {
            var splitDirectory = Path.Combine(root, folder);
            if (!Directory.Exists(splitDirectory))
            {
                continue;
            }

            found = true;
            foreach (var file in ExpressionFolders.ImageFiles(splitDirectory))
            {
                images++;
                Reject(new Fer2013FormatException(file, 0, $"is not in a class folder, so it has no label (expected {ExpressionFolders.Expected})"), builder, options);
            }

            foreach (var classDirectory in ExpressionFolders.Folders(splitDirectory))
            {
                var label = ExpressionFolders.Parse(classDirectory)
                    ?? throw new Fer2013FormatException(classDirectory, 0, $"unknown class folder '{Path.GetFileName(classDirectory)}' (expected {ExpressionFolders.Expected})");
                foreach (var file in ExpressionFolders.ImageFiles(classDirectory))
                {
                    try
                    {
                        var pixels = Decode48(file);
                        builder.Add(images, SplitOf(Path.GetFileName(file), defaultSplit), pixels, label);
                    }
                    catch (Fer2013FormatException error)
                    {
                        Reject(error, builder, options);
                    }

                    images++;
                }
            }
        }

        if (!found)
        {
            throw new Fer2013FormatException(root, 0, "neither a FER2013 CSV nor a folder with train/ or test/ inside");
        }

        if (images == 0)
        {
            throw new Fer2013FormatException(root, 0, $"no images in the class folders of train/ or test/ ({ExpressionFolders.Expected})");
        }
    }

    private static void Reject(Fer2013FormatException error, Fer2013DataBuilder builder, Fer2013LoadOptions options)
    {
        if (!options.SkipMalformedRows)
        {
            throw error;
        }

        builder.Skip(error);
    }

    private static Fer2013Split SplitOf(string fileName, Fer2013Split fallback) =>
        fileName.StartsWith("Training_", StringComparison.Ordinal) ? Fer2013Split.Training
        : fileName.StartsWith("PublicTest_", StringComparison.Ordinal) ? Fer2013Split.PublicTest
        : fileName.StartsWith("PrivateTest_", StringComparison.Ordinal) ? Fer2013Split.PrivateTest
        : fallback;

    private static byte[] Decode48(string file)
    {
        using var image = Decode(file);
        if (image.Width != FaceImage.Size || image.Height != FaceImage.Size)
        {
            throw new Fer2013FormatException(file, 0, $"expected a {FaceImage.Size}×{FaceImage.Size} image, got {image.Width}×{image.Height}");
        }

        image.GetArray(out byte[] pixels);
        return pixels;
    }

    private static Mat Decode(string file)
    {
        try
        {
            return ImageData.Decode(file, ImreadModes.Grayscale);
        }
        catch (ImageFormatException e)
        {
            throw new Fer2013FormatException(file, 0, e.Problem, e);
        }
    }
}
