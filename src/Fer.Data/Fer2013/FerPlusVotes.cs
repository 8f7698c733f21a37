using System.Globalization;

namespace PersonalFer.Data;

/// <summary>
/// FER+ crowd votes (<c>fer2013new.csv</c>: Usage, Image name, then ten counts — neutral, happiness, surprise,
/// sadness, anger, disgust, fear, contempt, unknown, NF), one row per FER2013 row in the same order.
/// </summary>
internal sealed class FerPlusVotes
{
    // Usage and Image name come before the vote counts.
    private const int LeadingColumns = 2;
    private const int VoteColumns = 10;

    // FER+ asked ten annotators per image, so a row holds 1 to 10 votes in all.
    private const int MaxVotes = 10;

    // The real file is 1.6 MB; anything far larger is something else, and is not read into memory.
    private const long MaxFileBytes = 64L << 20;

    private static readonly string[] Header =
        ["Usage", "Image name", "neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt", "unknown", "NF"];

    // FER+ column → FER2013 class; contempt, unknown and NF have none.
    private static readonly Expression?[] ColumnClass =
    [
        Expression.Neutral, Expression.Happy, Expression.Surprise, Expression.Sad,
        Expression.Angry, Expression.Disgust, Expression.Fear, null, null, null,
    ];

    private readonly string _path;
    private readonly byte[] _votes;
    private readonly Fer2013Split[] _splits;
    private readonly int[] _lineNumbers;

    private FerPlusVotes(string path, byte[] votes, Fer2013Split[] splits, int[] lineNumbers)
    {
        _path = path;
        _votes = votes;
        _splits = splits;
        _lineNumbers = lineNumbers;
    }

    public int Count => _splits.Length;

    /// <exception cref="FileNotFoundException">The file is not there.</exception>
    /// <exception cref="Fer2013FormatException">The file is malformed.</exception>
    public static FerPlusVotes Load(string path)
    {
        if (Directory.Exists(path))
        {
            throw new Fer2013FormatException(path, 0, "is a folder, not the FER+ fer2013new.csv file");
        }

        var file = new FileInfo(path);
        if (!file.Exists)
        {
            throw new FileNotFoundException($"{path}: FER+ label file not found", path);
        }

        if (file.Length > MaxFileBytes)
        {
            throw new Fer2013FormatException(path, 0, $"is {file.Length:N0} bytes, far more than FER+'s fer2013new.csv (1.6 MB)");
        }

        using var reader = new StreamReader(path);
        return Read(reader, path);
    }

    /// <summary>Parses the whole of <paramref name="reader"/>; <paramref name="path"/> is for error messages.</summary>
    public static FerPlusVotes Read(TextReader reader, string path)
    {
        var text = reader.ReadToEnd();
        var lines = text.Split('\n');
        var isLastLineCut = !text.EndsWith('\n');

        Fer2013FormatException Error(int index, string problem) =>
            new(path, index + 1, isLastLineCut && index == lines.Length - 1 ? $"{problem} (the last line has no line end: the file looks truncated)" : problem);

        var header = lines[0].TrimEnd('\r').Split(',').Select(n => n.Trim(' ')).ToArray();
        if (!header.SequenceEqual(Header, StringComparer.OrdinalIgnoreCase))
        {
            throw Error(0, $"not a FER+ fer2013new.csv: the header is '{Quoting.Quote(lines[0])}', expected '{string.Join(',', Header)}'");
        }

        var votes = new List<byte>(lines.Length * VoteColumns);
        var splits = new List<Fer2013Split>(lines.Length);
        var lineNumbers = new List<int>(lines.Length);
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Trim(' ').Length == 0)
            {
                continue;
            }

            var fields = line.Split(',');
            if (fields.Length != LeadingColumns + VoteColumns)
            {
                throw Error(i, $"expected {LeadingColumns + VoteColumns} comma-separated fields, found {fields.Length}");
            }

            splits.Add(fields[0].Trim(' ') switch
            {
                "Training" => Fer2013Split.Training,
                "PublicTest" => Fer2013Split.PublicTest,
                "PrivateTest" => Fer2013Split.PrivateTest,
                var usage => throw Error(i, $"unknown Usage '{Quoting.Quote(usage)}' (expected Training, PublicTest or PrivateTest)"),
            });

            var total = 0;
            for (var c = 0; c < VoteColumns; c++)
            {
                var field = fields[LeadingColumns + c].Trim(' ');
                // Digits only: int.TryParse alone would also take trailing NUL characters.
                if (field.Length == 0 || !field.All(char.IsAsciiDigit)
                    || !int.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count > MaxVotes)
                {
                    throw Error(i, $"{Header[LeadingColumns + c]} vote count '{Quoting.Quote(field)}' is not a number from 0 to {MaxVotes}");
                }

                total += count;
                votes.Add((byte)count);
            }

            if (total is 0 or > MaxVotes)
            {
                throw Error(i, $"the votes add up to {total}; FER+ had {MaxVotes} annotators per image, so a row holds 1 to {MaxVotes}");
            }

            lineNumbers.Add(i + 1);
        }

        return new FerPlusVotes(path, [.. votes], [.. splits], [.. lineNumbers]);
    }

    /// <summary>
    /// The class most voters chose for data row <paramref name="row"/>, or null when that is contempt, unknown or
    /// not-a-face, or the row is past the end (the row counts are compared once the data is read).
    /// </summary>
    /// <exception cref="Fer2013FormatException">The row's Usage is not <paramref name="split"/>: the files do not line up.</exception>
    public Expression? MajorityLabel(int row, Fer2013Split split)
    {
        if (row >= Count)
        {
            return null;
        }

        if (_splits[row] != split)
        {
            throw new Fer2013FormatException(_path, _lineNumbers[row],
                $"Usage '{_splits[row]}' differs from the FER2013 data's '{split}' for data row {row + 1}; the files must line up row for row");
        }

        var votes = _votes.AsSpan(row * VoteColumns, VoteColumns);
        var best = 0;
        for (var c = 1; c < VoteColumns; c++)
        {
            if (votes[c] > votes[best])
            {
                best = c;
            }
        }

        return ColumnClass[best];
    }
}
