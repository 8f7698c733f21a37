using System.IO.Compression;
using System.Text;
using CsCheck;

namespace PersonalFer.Data.Tests;

/// <summary>Small valid FER2013 inputs made in code (no ../shared), gzip-compressed in the ways files are, and loaded from bytes.</summary>
internal static class Fer2013Samples
{
    public const string Header = "emotion,pixels,Usage";

    public const string FerPlusHeader = "Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF";

    /// <summary>One to four rows of any label and split.</summary>
    public static Gen<SampleRow[]> Rows { get; } =
        Gen.Select(Gen.Int[0, Expressions.Count - 1], Gen.Enum<Fer2013Split>(), Gen.Int[0, 1000], (label, split, seed) => new SampleRow((Expression)label, split, seed)).Array[1, 4];

    public static string Csv(IEnumerable<SampleRow> rows) => string.Concat(rows.Select(r => r.Line + "\n").Prepend(Header + "\n"));

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>
    /// <paramref name="content"/> as one gzip member, with a sync flush after each offset in <paramref name="flushAfter"/>:
    /// the compressed bytes up to a flush decompress to exactly the content up to there.
    /// </summary>
    public static (byte[] Gzip, long[] FlushPoints) Gzip(byte[] content, params int[] flushAfter)
    {
        using var compressed = new MemoryStream();
        var flushPoints = new List<long>();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            var written = 0;
            foreach (var offset in flushAfter.Order())
            {
                gzip.Write(content, written, offset - written);
                gzip.Flush();
                flushPoints.Add(compressed.Length);
                written = offset;
            }

            gzip.Write(content, written, content.Length - written);
        }

        return (compressed.ToArray(), [.. flushPoints]);
    }

    /// <summary><paramref name="content"/> cut at <paramref name="splitAt"/> into gzip members, concatenated; with the member ends.</summary>
    public static (byte[] Gzip, long[] MemberEnds) GzipMembers(byte[] content, params int[] splitAt)
    {
        var bounds = splitAt.Order().Prepend(0).Append(content.Length).ToArray();
        var members = bounds.Zip(bounds.Skip(1), (from, to) => Gzip(content[from..to]).Gzip).ToArray();
        var ends = new List<long>();
        foreach (var member in members)
        {
            ends.Add((ends.Count > 0 ? ends[^1] : 0) + member.Length);
        }

        return ([.. members.SelectMany(m => m)], [.. ends]);
    }

    /// <summary>Loads <paramref name="file"/> as <see cref="Fer2013.Load"/> loads a CSV, named <paramref name="name"/> in messages.</summary>
    public static Fer2013Data Load(byte[] file, string name, Fer2013LoadOptions? options = null, FerPlusVotes? ferPlus = null)
    {
        options ??= new Fer2013LoadOptions();
        var builder = new Fer2013DataBuilder(options, ferPlus);
        using var stream = new MemoryStream(file);
        Fer2013Csv.Read(stream, name, builder, options);
        return builder.Build();
    }

    public static FerPlusVotes LoadFerPlus(byte[] file, string name)
    {
        using var reader = new StreamReader(new MemoryStream(file));
        return FerPlusVotes.Read(reader, name);
    }

    /// <summary>The rows of all three splits, in split order then file order, as (split, label, pixels).</summary>
    public static IEnumerable<(Fer2013Split Split, Expression Label, byte[] Pixels)> Faces(Fer2013Data data) =>
        Enum.GetValues<Fer2013Split>().SelectMany(split => Enumerable.Range(0, data[split].Count).Select(i => (split, data[split].Labels[i], data[split].Image(i).ToArray())));

    public static IEnumerable<(Fer2013Split Split, Expression Label, byte[] Pixels)> Faces(IEnumerable<SampleRow> rows) =>
        rows.OrderBy(r => r.Split).Select(r => (r.Split, r.Label, r.Pixels));
}
