namespace PersonalFer.Data;

/// <summary>
/// Labelled 48×48 grayscale faces held as bytes (2304 per face, row-major, one after another) until a batch is
/// built, so the whole of FER2013 takes about 83 MB.
/// </summary>
public sealed class FaceDataset
{
    private readonly byte[] _pixels;
    private readonly Expression[] _labels;

    /// <summary>Wraps <paramref name="pixels"/> (count × 2304 bytes) and one label per face; the arrays are not copied.</summary>
    /// <exception cref="ArgumentException">The lengths disagree or a label is not one of the seven classes.</exception>
    public FaceDataset(byte[] pixels, Expression[] labels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        if (pixels.Length != labels.Length * FaceImage.PixelCount)
        {
            throw new ArgumentException($"{labels.Length} labels need {labels.Length * FaceImage.PixelCount} pixel bytes, got {pixels.Length}.", nameof(pixels));
        }

        var invalid = Array.FindIndex(labels, l => !Enum.IsDefined(l));
        if (invalid >= 0)
        {
            throw new ArgumentException($"Label {(int)labels[invalid]} of face {invalid} is not an expression class (0–6).", nameof(labels));
        }

        _pixels = pixels;
        _labels = labels;
    }

    /// <summary>An empty data set.</summary>
    public static FaceDataset Empty { get; } = new([], []);

    /// <summary>Number of faces.</summary>
    public int Count => _labels.Length;

    /// <summary>All pixels, face after face.</summary>
    public ReadOnlySpan<byte> Pixels => _pixels;

    /// <summary>All labels.</summary>
    public IReadOnlyList<Expression> Labels => _labels;

    /// <summary>The 2304 pixels of face <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Image(int index) => _pixels.AsSpan(index * FaceImage.PixelCount, FaceImage.PixelCount);

    /// <summary>How many faces each class has, in <see cref="Expression"/> order.</summary>
    public int[] ClassCounts()
    {
        var counts = new int[Expressions.Count];
        foreach (var label in _labels)
        {
            counts[(int)label]++;
        }

        return counts;
    }

    /// <summary>A new data set holding copies of the faces at <paramref name="indices"/>, in that order.</summary>
    public FaceDataset Select(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var pixels = new byte[indices.Count * FaceImage.PixelCount];
        var labels = new Expression[indices.Count];
        for (var i = 0; i < indices.Count; i++)
        {
            Image(indices[i]).CopyTo(pixels.AsSpan(i * FaceImage.PixelCount));
            labels[i] = _labels[indices[i]];
        }

        return new FaceDataset(pixels, labels);
    }

    /// <summary>
    /// At most <paramref name="count"/> faces taken evenly across the set (so class shares follow the set's), e.g.
    /// the general faces replayed while personalizing.
    /// </summary>
    public FaceDataset EvenlySpaced(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var taken = Math.Min(count, Count);
        return Select([.. Enumerable.Range(0, taken).Select(i => (int)((long)i * Count / taken))]);
    }
}
