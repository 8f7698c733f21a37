using System.Text;

namespace PersonalFer.Data;

/// <summary>
/// Streams the canonical Kaggle <c>fer2013.csv</c> (<c>emotion,pixels,Usage</c>, 2304 space-separated 0–255 values
/// per row), plain or gzip-compressed, straight from bytes: no strings per row, faces stored as bytes.
/// </summary>
internal static class Fer2013Csv
{
    private const int FileBufferSize = 1 << 20;

    // The line buffer starts small for small files and grows to the longest line accepted: a FER2013 row is about
    // 9 KB, so a line longer than a MiB means this is not FER2013.
    private const int FirstLineBufferSize = 1 << 16;
    private const int MaxLineBytes = 1 << 20;

    // "255" is the longest valid pixel value; more digits are out of range even with leading zeros.
    private const int MaxPixelDigits = 3;

    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    public static void Read(string path, Fer2013DataBuilder builder, Fer2013LoadOptions options)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileBufferSize, FileOptions.SequentialScan);
        Read(file, path, builder, options);
    }

    /// <summary>
    /// Reads the CSV in <paramref name="file"/>: gzip-compressed when it starts with the gzip signature (or, when it
    /// cannot be peeked at, when <paramref name="path"/> ends in <c>.gz</c>), so a misnamed file still reads.
    /// </summary>
    public static void Read(Stream file, string path, Fer2013DataBuilder builder, Fer2013LoadOptions options)
    {
        using var gzip = IsGzip(file, path) ? new CheckedGzipStream(file) : null;
        try
        {
            Read(gzip ?? file, gzip is not null, path, builder, options);
        }
        catch (InvalidDataException e)
        {
            throw new Fer2013FormatException(path, 0, e.Message, e);
        }
    }

    private static bool IsGzip(Stream file, string path)
    {
        if (!file.CanSeek)
        {
            return path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        }

        Span<byte> start = stackalloc byte[2];
        var position = file.Position;
        var read = file.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        file.Position = position;
        return CheckedGzipStream.HasSignature(start[..read]);
    }

    private static void Read(Stream stream, bool isGzip, string path, Fer2013DataBuilder builder, Fer2013LoadOptions options)
    {
        var buffer = new byte[FirstLineBufferSize];
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
            var isCutShort = false;
            if (newline >= 0)
            {
                line = buffer.AsSpan(start, newline);
                start += newline + 1;
            }
            else if (!endOfStream)
            {
                if (start == 0 && end == buffer.Length)
                {
                    if (buffer.Length == MaxLineBytes)
                    {
                        throw Fail(LineError(lineNumber + 1, $"the line is longer than {MaxLineBytes >> 20} MiB: not a FER2013 CSV, whose rows are about 9 KB", isCutShort: false));
                    }

                    Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxLineBytes));
                }

                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
                var read = stream.Read(buffer, end, buffer.Length - end);
                endOfStream = read == 0;
                end += read;
                continue;
            }
            else if (start < end)
            {
                line = buffer.AsSpan(start, end - start);
                start = end;
                isCutShort = true;
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
                columns = Columns.FromHeader(line) ?? throw Fail(LineError(lineNumber, Columns.Problem(line), isCutShort));
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
                var error = LineError(lineNumber, e.Message, isCutShort);
                if (!options.SkipMalformedRows)
                {
                    throw Fail(error);
                }

                builder.Skip(error);
            }
        }

        if (columns is null)
        {
            throw new Fer2013FormatException(path, 0, "the file is empty (no header line)");
        }

        if (dataRows == 0)
        {
            throw new Fer2013FormatException(path, 0, "the file has a header line but no data rows");
        }

        if (builder.FerPlusRows is { } ferPlusRows && ferPlusRows != dataRows)
        {
            throw new Fer2013FormatException(path, 0, $"has {dataRows} data rows but the FER+ label file has {ferPlusRows}; they must line up row for row");
        }

        Fer2013FormatException LineError(long line, string problem, bool isCutShort) =>
            new(path, line, isCutShort ? $"{problem} (the last line has no line end: the file looks truncated)" : problem);

        Fer2013FormatException Fail(Fer2013FormatException error)
        {
            if (isGzip)
            {
                // Cut or corrupt compressed data explains a bad line better than the line does: read to the end,
                // where CheckedGzipStream reports it.
                stream.CopyTo(Stream.Null);
            }

            return error;
        }
    }

    private static (Expression Label, Fer2013Split Split) ParseRow(ReadOnlySpan<byte> line, Columns columns, Span<byte> pixels)
    {
        Range emotion = default, pixelValues = default, usage = default;
        var count = 0;
        var fieldStart = 0;
        while (true)
        {
            var comma = line[fieldStart..].IndexOf((byte)',');
            var fieldEnd = comma < 0 ? line.Length : fieldStart + comma;
            if (count == columns.Emotion)
            {
                emotion = fieldStart..fieldEnd;
            }
            else if (count == columns.Pixels)
            {
                pixelValues = fieldStart..fieldEnd;
            }
            else if (count == columns.Usage)
            {
                usage = fieldStart..fieldEnd;
            }

            count++;
            if (comma < 0)
            {
                break;
            }

            fieldStart = fieldEnd + 1;
        }

        if (count != columns.Count)
        {
            throw new RowException($"expected {columns.Count} comma-separated fields, found {count}");
        }

        var label = ParseLabel(Field(line[emotion]));
        var split = ParseUsage(Field(line[usage]));
        ParsePixels(Field(line[pixelValues]), pixels);
        return (label, split);
    }

    /// <summary>A field without surrounding spaces and quotes (R's <c>write.csv</c> quotes every text field).</summary>
    private static ReadOnlySpan<byte> Field(ReadOnlySpan<byte> field)
    {
        field = field.Trim((byte)' ');
        return field.Length >= 2 && field[0] == (byte)'"' && field[^1] == (byte)'"' ? field[1..^1].Trim((byte)' ') : field;
    }

    private static Expression ParseLabel(ReadOnlySpan<byte> field)
    {
        if (field.Length == 1 && field[0] - '0' is var label and >= 0 and < Expressions.Count)
        {
            return (Expression)label;
        }

        throw new RowException($"unknown emotion label '{Quoting.Quote(field)}' (expected 0–6)");
    }

    private static Fer2013Split ParseUsage(ReadOnlySpan<byte> field) =>
        field.SequenceEqual("Training"u8) ? Fer2013Split.Training
        : field.SequenceEqual("PublicTest"u8) ? Fer2013Split.PublicTest
        : field.SequenceEqual("PrivateTest"u8) ? Fer2013Split.PrivateTest
        : throw new RowException($"unknown Usage '{Quoting.Quote(field)}' (expected Training, PublicTest or PrivateTest)");

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
                    throw new RowException($"pixel {count + 1} is out of range 0–255 ('{Quoting.Quote(Token(field, i - digits + 1))}')");
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
                throw new RowException($"pixel {count + 1} is not a number ('{Quoting.Quote(Token(field, i - digits))}')");
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

    /// <summary>Where the three columns sit, from the header line.</summary>
    private sealed record Columns(int Emotion, int Pixels, int Usage, int Count)
    {
        private static readonly string[] Required = ["emotion", "pixels", "Usage"];

        /// <summary>The columns, or null when the header lacks one or names one twice (see <see cref="Problem"/>).</summary>
        public static Columns? FromHeader(ReadOnlySpan<byte> header)
        {
            var names = Names(header);
            var at = Required.Select(r => Array.FindIndex(names, n => Is(n, r))).ToArray();
            return at.All(i => i >= 0) && Required.All(r => names.Count(n => Is(n, r)) == 1)
                ? new Columns(at[0], at[1], at[2], names.Length)
                : null;
        }

        /// <summary>Why <see cref="FromHeader"/> rejected <paramref name="header"/>.</summary>
        public static string Problem(ReadOnlySpan<byte> header)
        {
            var names = Names(header);
            var missing = Required.FirstOrDefault(r => !names.Any(n => Is(n, r)));
            return missing is not null
                ? $"missing column '{missing}' (header is '{Quoting.Quote(header)}'; expected emotion,pixels,Usage)"
                : $"column '{Required.First(r => names.Count(n => Is(n, r)) > 1)}' appears more than once in the header";
        }

        // The names as bytes, compared as ASCII: a look-alike such as the dotless ı must not pass for an i.
        private static byte[][] Names(ReadOnlySpan<byte> header)
        {
            header = header.StartsWith(Utf8Bom) ? header[Utf8Bom.Length..] : header;
            var names = new List<byte[]>();
            foreach (var range in header.Split((byte)','))
            {
                names.Add(Field(header[range]).ToArray());
            }

            return [.. names];
        }

        private static bool Is(byte[] name, string column) => Ascii.EqualsIgnoreCase(name, column);
    }

    /// <summary>A problem with one row; turned into a <see cref="Fer2013FormatException"/> with file and line.</summary>
    private sealed class RowException(string message) : Exception(message);
}
