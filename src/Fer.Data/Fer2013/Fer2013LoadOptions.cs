namespace PersonalFer.Data;

/// <summary>How <see cref="Fer2013.Load"/> treats malformed input and which labels it uses.</summary>
public sealed record Fer2013LoadOptions
{
    /// <summary>
    /// False (default): the first malformed row throws <see cref="Fer2013FormatException"/>. True: malformed rows are
    /// skipped and reported in <see cref="Fer2013Data.SkippedRows"/>; file-level problems still throw.
    /// </summary>
    public bool SkipMalformedRows { get; init; }

    /// <summary>Drop the all-black images (FER2013 has 12: rows that hold no face).</summary>
    public bool DropBlankImages { get; init; }

    /// <summary>
    /// Path of FER+'s <c>fer2013new.csv</c>: relabel every row by the FER+ majority vote and drop rows whose vote
    /// is not-a-face, unknown or contempt. Rows line up by position with the FER2013 CSV: the same number of rows,
    /// and the same Usage in each, or loading fails.
    /// </summary>
    public string? FerPlusLabelsPath { get; init; }
}
