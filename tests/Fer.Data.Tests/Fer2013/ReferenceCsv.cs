using System.Globalization;
using System.Text;

namespace PersonalFer.Data.Tests;

/// <summary>
/// The FER2013 CSV rules written plainly on whole strings: the oracle the fuzzing tests hold the streaming reader to.
/// Lines end at <c>\n</c> (a trailing <c>\r</c> is dropped); blank lines do not count; the first other line is the
/// header (a UTF-8 BOM allowed), naming emotion, pixels and Usage once each in any case and order; every later line
/// has as many comma-separated fields, each maybe padded with spaces and wrapped in double quotes; the emotion is one
/// digit 0–6, the Usage Training, PublicTest or PrivateTest, and the pixels 2304 numbers 0–255 of at most three
/// digits, one space apart.
/// </summary>
internal static class ReferenceCsv
{
    private static readonly string[] Required = ["emotion", "pixels", "Usage"];

    /// <summary>What the rules say of a file: a file-level error (<see cref="FileError"/>) or the data lines, each a face or null when malformed.</summary>
    public sealed record Verdict(bool FileError, long FileErrorLine, IReadOnlyList<(long Line, (Fer2013Split Split, Expression Label, byte[] Pixels)? Face)> DataLines)
    {
        public long? FirstBadLine => DataLines.FirstOrDefault(l => l.Face is null) is { Line: > 0 } bad ? bad.Line : null;

        public IEnumerable<(Fer2013Split Split, Expression Label, byte[] Pixels)> Faces =>
            DataLines.Where(l => l.Face is not null).Select(l => l.Face!.Value).OrderBy(f => f.Split);
    }

    public static Verdict Judge(byte[] bytes)
    {
        // Latin-1 keeps every byte as one character, so nothing outside ASCII can pass for part of a valid field.
        var lines = Encoding.Latin1.GetString(bytes).Split('\n');
        int[]? columns = null;
        var columnCount = 0;
        var data = new List<(long, (Fer2013Split, Expression, byte[])?)>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Trim(' ').Length == 0)
            {
                continue;
            }

            if (columns is null)
            {
                var names = (line.StartsWith("\u00EF\u00BB\u00BF", StringComparison.Ordinal) ? line[3..] : line).Split(',').Select(Field).ToArray();
                if (!Required.All(r => names.Count(n => Ascii.EqualsIgnoreCase(n, r)) == 1))
                {
                    return new Verdict(true, i + 1, []);
                }

                columns = [.. Required.Select(r => Array.FindIndex(names, n => Ascii.EqualsIgnoreCase(n, r)))];
                columnCount = names.Length;
                continue;
            }

            data.Add((i + 1, Face(line.Split(','), columns, columnCount)));
        }

        return columns is null || data.Count == 0 ? new Verdict(true, 0, []) : new Verdict(false, 0, data);
    }

    private static (Fer2013Split, Expression, byte[])? Face(string[] fields, int[] columns, int columnCount)
    {
        if (fields.Length != columnCount)
        {
            return null;
        }

        var label = Field(fields[columns[0]]);
        var usage = Field(fields[columns[2]]);
        var values = Field(fields[columns[1]]).Split(' ');
        if (label is not ['0' or '1' or '2' or '3' or '4' or '5' or '6'] || usage is not ("Training" or "PublicTest" or "PrivateTest")
            || values.Length != FaceImage.PixelCount)
        {
            return null;
        }

        var pixels = new byte[FaceImage.PixelCount];
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i].Length is 0 or > 3 || !values[i].All(char.IsAsciiDigit) || int.Parse(values[i], CultureInfo.InvariantCulture) > byte.MaxValue)
            {
                return null;
            }

            pixels[i] = byte.Parse(values[i], CultureInfo.InvariantCulture);
        }

        return (Enum.Parse<Fer2013Split>(usage), (Expression)(label[0] - '0'), pixels);
    }

    private static string Field(string field)
    {
        field = field.Trim(' ');
        return field.Length >= 2 && field[0] == '"' && field[^1] == '"' ? field[1..^1].Trim(' ') : field;
    }
}
