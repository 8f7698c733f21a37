using System.Text;
using CsCheck;

namespace PersonalFer.Data.Tests;

/// <summary>
/// Valid FER+ vote files lined up with a FER2013 CSV, then damaged: loading relabels exactly as the votes that are
/// there say, or throws <see cref="Fer2013FormatException"/>, never anything else.
/// </summary>
public sealed class FerPlusVotesFuzzTests
{
    private const string Name = "fer2013new.csv";

    private static readonly string[] Columns = Fer2013Samples.FerPlusHeader.Split(',');

    private static readonly Expression?[] ColumnClass =
        [Expression.Neutral, Expression.Happy, Expression.Surprise, Expression.Sad, Expression.Angry, Expression.Disgust, Expression.Fear, null, null, null];

    // One row of votes: ten counts that add up to 1–10.
    private static readonly Gen<int[]> VoteRow = Gen.Int[0, 9].Array[1, 10].Select(picks =>
    {
        var votes = new int[10];
        foreach (var pick in picks)
        {
            votes[pick]++;
        }

        return votes;
    });

    [Fact]
    public void Damaged_vote_files_relabel_as_their_votes_say_or_are_rejected() =>
        Gen.Select(Fer2013Samples.Rows, VoteRow.Array[4], Mutation.Text.Array[0, 3]).Sample((rows, votes, mutations) =>
        {
            var file = Encoding.UTF8.GetBytes(Columns[0] + string.Concat(Columns.Skip(1).Select(c => "," + c)) + "\n"
                + string.Concat(rows.Select((row, i) => $"{row.Split},fer{i:D7}.png,{string.Join(',', votes[i])}\n")));
            file = mutations.Aggregate(file, (bytes, mutation) => mutation.Apply(bytes));
            var expected = Relabelled(rows, Encoding.Latin1.GetString(file));
            try
            {
                var ferPlus = Fer2013Samples.LoadFerPlus(file, Name);
                var data = Fer2013Samples.Load(Fer2013Samples.Bytes(Fer2013Samples.Csv(rows)), "fer.csv", ferPlus: ferPlus);
                Assert.NotNull(expected);
                Assert.Equal(expected.Value.Faces, Fer2013Samples.Faces(data), FaceComparer.Instance);
                Assert.Equal(expected.Value.Dropped, data.DroppedByFerPlus);
            }
            catch (Fer2013FormatException error)
            {
                Assert.True(expected is null, $"rejected votes the rules accept: {error.Message}");
                Assert.Contains(error.File, new[] { Name, "fer.csv" });
            }
        }, iter: 2000, threads: 1);

    /// <summary>The FER+ rules written plainly: the relabelled faces and how many were dropped, or null when the file must be rejected.</summary>
    private static (IEnumerable<(Fer2013Split, Expression, byte[])> Faces, int Dropped)? Relabelled(SampleRow[] rows, string file)
    {
        var lines = (file.StartsWith("\u00EF\u00BB\u00BF", StringComparison.Ordinal) ? file[3..] : file).Split('\n');
        if (!lines[0].TrimEnd('\r').Split(',').Select(c => c.Trim(' ')).SequenceEqual(Columns, StringComparer.OrdinalIgnoreCase))
        {
            return null;
        }

        var labels = new List<(Fer2013Split Split, Expression? Label)>();
        foreach (var line in lines.Skip(1).Select(l => l.TrimEnd('\r')).Where(l => l.Trim(' ').Length > 0))
        {
            var fields = line.Split(',').Select(f => f.Trim(' ')).ToArray();
            if (fields.Length != 12 || fields[0] is not ("Training" or "PublicTest" or "PrivateTest")
                || !fields[2..].All(f => f.Length > 0 && f.All(char.IsAsciiDigit) && f.TrimStart('0') is var digits && (digits.Length == 0 || (digits.Length <= 2 && int.Parse(digits) <= 10))))
            {
                return null;
            }

            var votes = fields[2..].Select(f => int.Parse(f)).ToArray();
            if (votes.Sum() is 0 or > 10)
            {
                return null;
            }

            labels.Add((Enum.Parse<Fer2013Split>(fields[0]), ColumnClass[Array.IndexOf(votes, votes.Max())]));
        }

        if (labels.Count != rows.Length || labels.Where((l, i) => l.Split != rows[i].Split).Any())
        {
            return null;
        }

        var kept = rows.Select((row, i) => (row.Split, Label: labels[i].Label, row.Pixels)).Where(f => f.Label is not null).ToArray();
        return (kept.Select(f => (f.Split, f.Label!.Value, f.Pixels)).OrderBy(f => f.Split), rows.Length - kept.Length);
    }
}
