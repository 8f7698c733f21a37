using CsCheck;

namespace PersonalFer.Data.Tests;

/// <summary>
/// A <c>.csv.gz</c> must be whole: every member's CRC-32 and length check out, and the file ends right after the last
/// member. Anything else is a <see cref="Fer2013FormatException"/> saying so, never a shorter data set.
/// </summary>
public sealed class Fer2013GzipTests : IDisposable
{
    private const string Name = "fuzz.csv.gz";
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("fer-gzip-");

    private static readonly SampleRow[] Rows =
        [.. Enumerable.Range(0, 4).Select(i => new SampleRow((Expression)(i % Expressions.Count), (Fer2013Split)(i % 3), i))];

    private static readonly byte[] Content = Fer2013Samples.Bytes(Fer2013Samples.Csv(Rows));

    public void Dispose() => _directory.Delete(recursive: true);

    private static int[] RowEnds => [.. Enumerable.Range(0, Content.Length).Where(i => Content[i] == '\n').Select(i => i + 1)];

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_directory.FullName, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void A_gzip_cut_right_after_a_flush_is_truncated_not_a_shorter_data_set()
    {
        // A sync flush after each row makes the bytes up to it decompress to exactly those rows: the nasty cut.
        var (gzip, flushPoints) = Fer2013Samples.Gzip(Content, RowEnds[..^1]);
        var path = Write("flushed.csv.gz", gzip[..(int)flushPoints[2]]);

        var error = Assert.Throws<Fer2013FormatException>(() => Fer2013.Load(path));

        Assert.Equal(path, error.File);
        Assert.Equal(0, error.Line);
        Assert.StartsWith($"{path}: truncated or corrupt gzip data", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gzip_cut_inside_a_row_is_truncated_not_a_bad_line()
    {
        var (gzip, _) = Fer2013Samples.Gzip(Content);
        var path = Write("cut.csv.gz", gzip[..(gzip.Length * 2 / 3)]);

        var error = Assert.Throws<Fer2013FormatException>(() => Fer2013.Load(path));

        Assert.Equal(0, error.Line);
        Assert.Contains("truncated or corrupt gzip data", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(8, "CRC-32")]
    [InlineData(4, "length")]
    public void A_wrong_crc_or_length_in_the_trailer_is_corrupt(int fromEnd, string field)
    {
        var (gzip, _) = Fer2013Samples.Gzip(Content);
        gzip[^fromEnd] ^= 1;

        var error = Assert.Throws<Fer2013FormatException>(() => Fer2013Samples.Load(gzip, Name));

        Assert.Contains("truncated or corrupt gzip data", error.Message, StringComparison.Ordinal);
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidDataException>(error.InnerException);
    }

    [Theory]
    [InlineData(new byte[] { 0 })]
    [InlineData(new byte[] { 0, 0, 0, 0 })]
    [InlineData(new byte[] { (byte)'h', (byte)'i', (byte)'\n' })]
    [InlineData(new byte[] { 0x1f, 0x8b })]
    [InlineData(new byte[] { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3 })]
    public void Data_after_the_last_member_is_an_error_not_ignored(byte[] trailing)
    {
        var (gzip, _) = Fer2013Samples.Gzip(Content);

        var error = Assert.Throws<Fer2013FormatException>(() => Fer2013Samples.Load([.. gzip, .. trailing], Name));

        Assert.Contains("truncated or corrupt gzip data", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Concatenated_members_load_whole_and_a_cut_last_member_is_an_error()
    {
        var (gzip, memberEnds) = Fer2013Samples.GzipMembers(Content, RowEnds[1], RowEnds[1] + 100);

        Assert.Equal(Fer2013Samples.Faces(Rows), Fer2013Samples.Faces(Fer2013Samples.Load(gzip, Name)), FaceComparer.Instance);
        Assert.Throws<Fer2013FormatException>(() => Fer2013Samples.Load(gzip[..((int)memberEnds[^1] - 3)], Name));
        // Cut inside a row where one member ends: the rest of the row is missing.
        Assert.Throws<Fer2013FormatException>(() => Fer2013Samples.Load(gzip[..(int)memberEnds[1]], Name));
    }

    [Fact]
    public void Misnamed_files_read_by_their_content()
    {
        var (gzip, _) = Fer2013Samples.Gzip(Content);
        var expected = Fer2013Samples.Faces(Rows);

        Assert.Equal(expected, Fer2013Samples.Faces(Fer2013.Load(Write("gzipped.csv", gzip))), FaceComparer.Instance);
        Assert.Equal(expected, Fer2013Samples.Faces(Fer2013.Load(Write("plain.csv.gz", Content))), FaceComparer.Instance);
    }

    [Fact]
    public void An_empty_gzip_file_is_an_empty_file()
    {
        var path = Write("empty.csv.gz", []);
        Assert.Contains("the file is empty", Assert.Throws<Fer2013FormatException>(() => Fer2013.Load(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_strict_prefix_of_a_gzip_file_is_an_error()
    {
        // Flushed after every row, so many prefixes end where whole rows decompress.
        var (gzip, _) = Fer2013Samples.Gzip(Content, RowEnds[..^1]);
        Assert.Equal(Fer2013Samples.Faces(Rows), Fer2013Samples.Faces(Fer2013Samples.Load(gzip, Name)), FaceComparer.Instance);

        for (var length = 0; length < gzip.Length; length++)
        {
            var error = Assert.Throws<Fer2013FormatException>(() => Fer2013Samples.Load(gzip[..length], Name));
            Assert.Equal(Name, error.File);
        }
    }

    [Fact]
    public void Damaged_gzip_loads_the_original_rows_or_is_an_error() =>
        Gen.Select(Fer2013Samples.Rows, Gen.Int[0, 3], Mutation.Bytes.Array[1, 3]).Sample((rows, members, mutations) =>
        {
            var content = Fer2013Samples.Bytes(Fer2013Samples.Csv(rows));
            var cuts = Enumerable.Range(1, members).Select(i => content.Length * i / (members + 1)).ToArray();
            var gzip = mutations.Aggregate(Fer2013Samples.GzipMembers(content, cuts).Gzip, (bytes, mutation) => mutation.Apply(bytes));
            try
            {
                // The CRC-32s leave no room for a change to go unnoticed: what loads is the original.
                Assert.Equal(Fer2013Samples.Faces(rows), Fer2013Samples.Faces(Fer2013Samples.Load(gzip, Name)), FaceComparer.Instance);
            }
            catch (Fer2013FormatException error)
            {
                Assert.Equal(Name, error.File);
            }
        }, iter: 2000, threads: 1);

    [Fact]
    public void Prefixes_of_multi_member_gzip_load_only_at_a_member_end_with_the_rows_before_it() =>
        Gen.Select(Fer2013Samples.Rows, Gen.Int[1, 3]).Sample((rows, members) =>
        {
            var content = Fer2013Samples.Bytes(Fer2013Samples.Csv(rows));
            var rowEnds = Enumerable.Range(0, content.Length).Where(i => content[i] == '\n').Select(i => i + 1).ToArray();
            // Members end at line ends, so a cut where one ends leaves whole rows: valid gzip and a valid, shorter
            // CSV, which no reader can tell from a file written that way. One byte more or less is an error.
            var cuts = rowEnds[..^1].Take(members).ToArray();
            var (gzip, memberEnds) = Fer2013Samples.GzipMembers(content, cuts);
            for (var member = 0; member < cuts.Length; member++)
            {
                var length = (int)memberEnds[member];
                var rowsBefore = rowEnds.Count(end => end <= cuts[member]) - 1;
                if (rowsBefore == 0)
                {
                    Assert.Throws<Fer2013FormatException>(() => Fer2013Samples.Load(gzip[..length], Name));
                }
                else
                {
                    Assert.Equal(Fer2013Samples.Faces(rows.Take(rowsBefore)), Fer2013Samples.Faces(Fer2013Samples.Load(gzip[..length], Name)), FaceComparer.Instance);
                }

                Assert.Throws<Fer2013FormatException>(() => Fer2013Samples.Load(gzip[..(length - 1)], Name));
                Assert.Throws<Fer2013FormatException>(() => Fer2013Samples.Load(gzip[..(length + 1)], Name));
            }
        }, iter: 200, threads: 1);
}
