namespace PersonalFer.Data;

/// <summary>
/// A person's own labelled pictures, the input of personalization: from a folder <c>&lt;root&gt;/&lt;expression&gt;/*.png|jpg</c>
/// (folder names angry, disgust, fear, happy, sad, surprise, neutral; any case) or built in memory.
/// </summary>
public sealed class LabelledImages : IReadOnlyList<LabelledImage>
{
    private readonly List<LabelledImage> _images = [];

    /// <summary>An empty collection to <see cref="Add"/> to.</summary>
    public LabelledImages()
    {
    }

    /// <summary>A collection holding <paramref name="images"/>.</summary>
    public LabelledImages(IEnumerable<LabelledImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        foreach (var image in images)
        {
            Add(image);
        }
    }

    /// <inheritdoc />
    public int Count => _images.Count;

    /// <inheritdoc />
    public LabelledImage this[int index] => _images[index];

    /// <summary>Reads every image under <paramref name="root"/>'s expression folders, decoded to BGR (gray stays gray).</summary>
    /// <param name="root">The folder holding one sub-folder per expression.</param>
    /// <param name="areFaceCrops">True when the files are already face crops.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="ImageFormatException">A sub-folder is not an expression name, an image lies outside the
    /// expression folders (so it has no label), a file is not a readable image, or no images were found; the message
    /// names the path.</exception>
    public static LabelledImages FromFolder(string root, bool areFaceCrops = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"{root}: folder not found (expected <root>/<expression>/*.png|jpg)");
        }

        if (ExpressionFolders.ImageFiles(root).FirstOrDefault() is { } unlabelled)
        {
            throw new ImageFormatException(unlabelled, $"is not in an expression folder, so it has no label (expected one of {ExpressionFolders.Expected})");
        }

        var images = new LabelledImages();
        foreach (var directory in ExpressionFolders.Folders(root))
        {
            var label = ExpressionFolders.Parse(directory)
                ?? throw new ImageFormatException(directory, $"not an expression folder (expected one of {ExpressionFolders.Expected})");
            foreach (var file in ExpressionFolders.ImageFiles(directory))
            {
                images.Add(new LabelledImage(ImageData.Read(file), label, file, areFaceCrops));
            }
        }

        if (images.Count == 0)
        {
            throw new ImageFormatException(root, $"no images found in expression folders ({ExpressionFolders.Expected})");
        }

        return images;
    }

    /// <summary>Adds one image.</summary>
    public void Add(LabelledImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (!Enum.IsDefined(image.Label))
        {
            throw new ArgumentException($"{image.Source}: label {(int)image.Label} is not an expression class (0–6).", nameof(image));
        }

        _images.Add(image);
    }

    /// <summary>How many images each expression has, in <see cref="Expression"/> order.</summary>
    public int[] CountsPerExpression()
    {
        var counts = new int[Expressions.Count];
        foreach (var image in _images)
        {
            counts[(int)image.Label]++;
        }

        return counts;
    }

    /// <inheritdoc />
    public IEnumerator<LabelledImage> GetEnumerator() => _images.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
