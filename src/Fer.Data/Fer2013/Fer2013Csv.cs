using System.IO.Compression;
using System.Text;

namespace PersonalFer.Data;

/// <summary>
/// Streams the canonical Kaggle <c>fer2013.csv</c> (<c>emotion,pixels,Usage</c>, 2304 space-separated 0–255 values
/// per row), plain or gzip-compressed, straight from bytes: no strings per row, faces stored as bytes.
/// </summary>
internal static class Fer2013Csv
{
    private const int BufferSize = 1 << 20;

    // "255" is the longest valid pixel value; more digits are out of range even with leading zeros.
    private const int MaxPixelDigits = 3;

    // Longest quotation of a bad value in an error message.
    private const int MaxQuotedBytes = 40;

    public static void Read(string path, Fer2013DataBuilder builder, Fer2013LoadOptions options)
    {
        using var file = OpenFile(path);
        var isGzip = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        using var stream = isGzip ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
        try
        {
            Read(stream, path, builder, options);
        }
        catch (InvalidDataException e)
        {
            throw new Fer2013FormatException(path, 0, $"corrupt or truncated gzip data ({e.Message})", e);
        }
    }

    private static FileStream OpenFile(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan);
        }
        catch (FileNotFoundException e)
        {
            throw new Fer2013FormatException(path, 0, "file not found", e);
        }
    }

    private static void Read(Stream stream, string path, Fer2013DataBuilder builder, Fer2013LoadOptions options)
    {
        var buffer = new byte[BufferSize];
        int start = 0, end = 0;
        long lineNumber = 0;
        var dataRows = 0;
        Columns? columns = null;
        var pixels = new byte[FaceImage.PixelCount];
        var endOfStream = false;

        while (true)
        {
            var newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            ReadOnlySpan<byte> line;
            if (newline >= 0)
            {
                line = buffer.AsSpan(start, newline);
                start += newline + 1;
            }
            else if (!endOfStream)
            {
                if (start > 0)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }

                if (end == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                var read = stream.Read(buffer, end, buffer.Length - end);
                endOfStream = read == 0;
                end += read;
                continue;
            }
            else if (start < end)
            {
                line = buffer.AsSpan(start, end - start);
                start = end;
            }
            else
            {
                break;
            }

            lineNumber++;
            line = line.TrimEnd((byte)'\r');
            if (line.Trim((byte)' ').IsEmpty)
            {
                continue;
            }

            if (columns is null)
            {
                columns = Columns.FromHeader(line, path);
                continue;
            }

            var row = dataRows++;
            try
            {
                var (label, split) = ParseRow(line, columns, pixels);
                builder.Add(row, split, pixels, label);
            }
            catch (RowException e)
            {
                var error = new Fer2013FormatException(path, lineNumber, e.Message);
                if (!options.SkipMalformedRows)
                {
                    throw error;
                }

                builder.Skip(error);
            }
        }

        if (columns is null)
        {
            throw new Fer2013FormatException(path, 0, "the file is empty (no header line)");
        }

        if (builder.FerPlusRows is { } ferPlusRows && ferPlusRows != dataRows)
        {
            throw new Fer2013FormatException(path, 0, $"has {dataRows} data rows but the FER+ label file has {ferPlusRows}; they must line up row for row");
        }
    }

    private static (Expression Label, Fer2013Split Split) ParseRow(ReadOnlySpan<byte> line, Columns columns, Span<byte> pixels)
    {
        Span<Range> fields = stackalloc Range[columns.Count];
        var count = 0;
        var fieldStart = 0;
        for (var i = 0; i <= line.Length; i++)
        {
            if (i == line.Length || line[i] == (byte)',')
            {
                if (count < fields.Length)
                {
                    fields[count] = fieldStart..i;
                }

                count++;
                fieldStart = i + 1;
            }
        }

        if (count != columns.Count)
        {
            throw new RowException($"expected {columns.Count} comma-separated fields, found {count}");
        }

        var label = ParseLabel(line[fields[columns.Emotion]].Trim((byte)' '));
        var split = ParseUsage(line[fields[columns.Usage]].Trim((byte)' '));
        ParsePixels(line[fields[columns.Pixels]].Trim((byte)' '), pixels);
        return (label, split);
    }

    private static Expression ParseLabel(ReadOnlySpan<byte> field)
    {
        if (field.Length == 1 && field[0] - '0' is var label and >= 0 and < Expressions.Count)
        {
            return (Expression)label;
        }

        throw new RowException($"unknown emotion label '{Text(field)}' (expected 0–6)");
    }

    private static Fer2013Split ParseUsage(ReadOnlySpan<byte> field) =>
        field.SequenceEqual("Training"u8) ? Fer2013Split.Training
        : field.SequenceEqual("PublicTest"u8) ? Fer2013Split.PublicTest
        : field.SequenceEqual("PrivateTest"u8) ? Fer2013Split.PrivateTest
        : throw new RowException($"unknown Usage '{Text(field)}' (expected Training, PublicTest or PrivateTest)");

    private static void ParsePixels(ReadOnlySpan<byte> field, Span<byte> pixels)
    {
        var count = 0;
        var value = 0;
        var digits = 0;
        for (var i = 0; i <= field.Length; i++)
        {
            var c = i < field.Length ? field[i] : (byte)' ';
            if (c is >= (byte)'0' and <= (byte)'9')
            {
                value = (value * 10) + (c - '0');
                if (++digits > MaxPixelDigits || value > byte.MaxValue)
                {
                    throw new RowException($"pixel {count + 1} is out of range 0–255 ('{Text(Token(field, i - digits + 1))}')");
                }
            }
            else if (c == ' ')
            {
                if (digits == 0)
                {
                    throw new RowException($"pixel {count + 1} is empty (two spaces in a row, or a leading space)");
                }

                if (count == FaceImage.PixelCount)
                {
                    throw new RowException($"more than {FaceImage.PixelCount} pixel values");
                }

                pixels[count++] = (byte)value;
                value = 0;
                digits = 0;
            }
            else
            {
                throw new RowException($"pixel {count + 1} is not a number ('{Text(Token(field, i - digits))}')");
            }
        }

        if (count != FaceImage.PixelCount)
        {
            throw new RowException($"expected {FaceImage.PixelCount} pixel values, found {count}");
        }
    }

    private static ReadOnlySpan<byte> Token(ReadOnlySpan<byte> field, int from)
    {
        var rest = field[Math.Max(from, 0)..];
        var space = rest.IndexOf((byte)' ');
        return space < 0 ? rest : rest[..space];
    }

    private static string Text(ReadOnlySpan<byte> bytes) =>
        bytes.Length > MaxQuotedBytes ? Encoding.UTF8.GetString(bytes[..MaxQuotedBytes]) + "…" : Encoding.UTF8.GetString(bytes);

    /// <summary>Where the three columns sit, from the header line.</summary>
    private sealed record Columns(int Emotion, int Pixels, int Usage, int Count)
    {
        public static Columns FromHeader(ReadOnlySpan<byte> header, string path)
        {
            var names = Encoding.UTF8.GetString(header).TrimStart('\uFEFF').Split(',').Select(n => n.Trim()).ToArray();
            int Find(string name) => Array.FindIndex(names, n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase)) is var i and >= 0
                ? i
                : throw new Fer2013FormatException(path, 1, $"missing column '{name}' (header is '{string.Join(",", names)}'; expected emotion,pixels,Usage)");
            return new Columns(Find("emotion"), Find("pixels"), Find("Usage"), names.Length);
        }
    }

    /// <summary>A problem with one row; turned into a <see cref="Fer2013FormatException"/> with file and line.</summary>
    private sealed class RowException(string message) : Exception(message);
}
