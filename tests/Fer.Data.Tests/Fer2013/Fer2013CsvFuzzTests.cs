using CsCheck;

namespace PersonalFer.Data.Tests;

/// <summary>
/// Valid FER2013 CSVs made in code, then damaged: whatever the damage, loading gives exactly what
/// <see cref="ReferenceCsv"/> accepts or a <see cref="Fer2013FormatException"/> naming the file and the first bad
/// line, never another exception and never fewer rows than the file holds.
/// </summary>
public sealed class Fer2013CsvFuzzTests
{
    private const string Name = "fuzz.csv";

    [Fact]
    public void Damaged_csv_loads_what_the_rules_accept_or_names_the_first_bad_line() =>
        Gen.Select(Fer2013Samples.Rows, Mutation.Text.Array[1, 3], Gen.Bool).Sample((rows, mutations, skip) =>
        {
            var csv = mutations.Aggregate(Fer2013Samples.Bytes(Fer2013Samples.Csv(rows)), (bytes, mutation) => mutation.Apply(bytes));
            AssertLoadsAsTheRulesSay(csv, skip);
        }, iter: 2000, threads: 1);

    [Fact]
    public void Every_prefix_of_a_csv_loads_its_whole_rows_or_is_an_error()
    {
        var rows = new[] { new SampleRow(Expression.Happy, Fer2013Split.Training, 1), new SampleRow(Expression.Sad, Fer2013Split.PrivateTest, 2) };
        var csv = Fer2013Samples.Bytes(Fer2013Samples.Csv(rows).Replace("\n", "\r\n", StringComparison.Ordinal));
        var lineEnds = Enumerable.Range(0, csv.Length).Where(i => csv[i] == '\n').ToArray();

        for (var length = 0; length <= csv.Length; length++)
        {
            var prefix = csv[..length];
            // A prefix loads only when it ends at a row's end (at most its CR LF cut off), and then it holds every row
            // up to there.
            var wholeRows = Enumerable.Range(1, rows.Length).FirstOrDefault(row => length >= lineEnds[row] - 1 && length <= lineEnds[row] + 1);
            if (wholeRows == 0)
            {
                Assert.Throws<Fer2013FormatException>(() => Fer2013Samples.Load(prefix, Name));
            }
            else
            {
                Assert.Equal(wholeRows, Fer2013Samples.Load(prefix, Name).Count);
            }
        }
    }

    private static void AssertLoadsAsTheRulesSay(byte[] csv, bool skip)
    {
        var verdict = ReferenceCsv.Judge(csv);
        Fer2013Data data;
        try
        {
            data = Fer2013Samples.Load(csv, Name, new Fer2013LoadOptions { SkipMalformedRows = skip });
        }
        catch (Fer2013FormatException error)
        {
            Assert.Equal(Name, error.File);
            if (CheckedGzipStream.HasSignature(csv))
            {
                return;
            }

            Assert.True(verdict.FileError || (!skip && verdict.FirstBadLine is not null), $"rejected a file the rules accept: {error.Message}");
            Assert.Equal(verdict.FileError ? verdict.FileErrorLine : verdict.FirstBadLine, error.Line);
            return;
        }

        Assert.False(verdict.FileError, "accepted a file the rules reject");
        Assert.True(skip || verdict.FirstBadLine is null, $"accepted line {verdict.FirstBadLine}, which the rules reject");
        Assert.Equal(verdict.Faces, Fer2013Samples.Faces(data), FaceComparer.Instance);
        Assert.Equal(verdict.DataLines.Where(l => l.Face is null).Select(l => l.Line), data.SkippedRows.Select(e => e.Line));
    }
}
