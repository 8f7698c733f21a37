namespace PersonalFer.Data;

/// <summary>FER2013 split into its three original parts, with what was left out and why.</summary>
public sealed class Fer2013Data
{
    internal Fer2013Data(FaceDataset training, FaceDataset publicTest, FaceDataset privateTest,
        IReadOnlyList<Fer2013FormatException> skippedRows, int droppedBlank, int droppedByFerPlus)
    {
        Training = training;
        PublicTest = publicTest;
        PrivateTest = privateTest;
        SkippedRows = skippedRows;
        DroppedBlankImages = droppedBlank;
        DroppedByFerPlus = droppedByFerPlus;
    }

    /// <summary>The "Training" rows.</summary>
    public FaceDataset Training { get; }

    /// <summary>The "PublicTest" rows: validation.</summary>
    public FaceDataset PublicTest { get; }

    /// <summary>The "PrivateTest" rows: the test split.</summary>
    public FaceDataset PrivateTest { get; }

    /// <summary>Malformed rows skipped because <see cref="Fer2013LoadOptions.SkipMalformedRows"/> was set.</summary>
    public IReadOnlyList<Fer2013FormatException> SkippedRows { get; }

    /// <summary>All-black images dropped because <see cref="Fer2013LoadOptions.DropBlankImages"/> was set.</summary>
    public int DroppedBlankImages { get; }

    /// <summary>Rows dropped by the FER+ vote (not a face, unknown, contempt).</summary>
    public int DroppedByFerPlus { get; }

    /// <summary>Faces in all three splits.</summary>
    public int Count => Training.Count + PublicTest.Count + PrivateTest.Count;

    /// <summary>One split.</summary>
    public FaceDataset this[Fer2013Split split] => split switch
    {
        Fer2013Split.Training => Training,
        Fer2013Split.PublicTest => PublicTest,
        Fer2013Split.PrivateTest => PrivateTest,
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "unknown split"),
    };
}
