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

    // FER+ asked ten annotators per image.
    private const int MaxVotes = 10;

    // FER+ column → FER2013 class; contempt, unknown and NF have none.
    private static readonly Expression?[] ColumnClass =
    [
        Expression.Neutral, Expression.Happy, Expression.Surprise, Expression.Sad,
        Expression.Angry, Expression.Disgust, Expression.Fear, null, null, null,
    ];

    private readonly byte[] _votes;

    private FerPlusVotes(byte[] votes) => _votes = votes;

    public int Count => _votes.Length / VoteColumns;

    public static FerPlusVotes Load(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (FileNotFoundException e)
        {
            throw new Fer2013FormatException(path, 0, "FER+ label file not found", e);
        }

        if (lines.Length == 0 || !lines[0].StartsWith("Usage,Image name,neutral", StringComparison.Ordinal))
        {
            throw new Fer2013FormatException(path, 1, "not a FER+ fer2013new.csv (expected header 'Usage,Image name,neutral,…')");
        }

        var votes = new List<byte>((lines.Length - 1) * VoteColumns);
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            var fields = lines[i].Split(',');
            if (fields.Length != LeadingColumns + VoteColumns)
            {
                throw new Fer2013FormatException(path, i + 1, $"expected {LeadingColumns + VoteColumns} fields, found {fields.Length}");
            }

            for (var c = 0; c < VoteColumns; c++)
            {
                if (!byte.TryParse(fields[LeadingColumns + c], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count > MaxVotes)
                {
                    throw new Fer2013FormatException(path, i + 1, $"vote count '{fields[LeadingColumns + c]}' is not a number from 0 to {MaxVotes}");
                }

                votes.Add(count);
            }
        }

        return new FerPlusVotes([.. votes]);
    }

    /// <summary>The class most voters chose, or null when that is contempt, unknown or not-a-face.</summary>
    public Expression? MajorityLabel(int row)
    {
        if (row >= Count)
        {
            return null;
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
