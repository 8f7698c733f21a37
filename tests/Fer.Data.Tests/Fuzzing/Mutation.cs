using System.Text;
using CsCheck;

namespace PersonalFer.Data.Tests;

/// <summary>
/// One change to a valid input, the way files get damaged or hand-edited: bytes flipped, set, inserted, deleted or
/// cut off, and for text lines and comma-separated fields duplicated, dropped, swapped or replaced. Positions are
/// fractions of the input, so one mutation applies to any input.
/// </summary>
internal sealed record Mutation(MutationKind Kind, double At, double To, int Value)
{
    // Bytes that mean something to the readers.
    private static readonly byte[] SpecialBytes = [(byte)',', (byte)' ', (byte)'\n', (byte)'\r', (byte)'"', 0, 0xFF, 0xEF, 0x1F, 0x8B, (byte)'0', (byte)'9', (byte)'\t'];

    // Field values a person or a tool could plausibly leave in a CSV.
    private static readonly string[] SpecialFields =
        ["", " ", "256", "-1", "1.5", "07", "7", "99999999999999999999", "Validation", "training", "\"", "\"Training\"", "0 0", "\t", "\0", "é", "NaN", "+1", "1e3", "10", "11", "0"];

    /// <summary>Byte-level mutations, for any file.</summary>
    public static Gen<Mutation> Bytes { get; } = Of(
        MutationKind.FlipBit, MutationKind.SetByte, MutationKind.SetSpecialByte, MutationKind.InsertBytes, MutationKind.InsertSpecialByte,
        MutationKind.DeleteBytes, MutationKind.Truncate, MutationKind.AppendBytes);

    /// <summary>Byte-level and line/field-level mutations, for text files.</summary>
    public static Gen<Mutation> Text { get; } = Gen.OneOf(Bytes, Of(
        MutationKind.DuplicateLine, MutationKind.DeleteLine, MutationKind.SwapLines, MutationKind.SwapFields, MutationKind.SetField,
        MutationKind.InsertBlankLine, MutationKind.CrLf, MutationKind.Bom, MutationKind.QuoteFields));

    public byte[] Apply(byte[] input)
    {
        var at = Position(input.Length);
        var random = new Random(Value);
        return Kind switch
        {
            MutationKind.FlipBit when input.Length > 0 => With(input, Math.Min(at, input.Length - 1), (byte)(input[Math.Min(at, input.Length - 1)] ^ (1 << (Value % 8)))),
            MutationKind.SetByte when input.Length > 0 => With(input, Math.Min(at, input.Length - 1), (byte)Value),
            MutationKind.SetSpecialByte when input.Length > 0 => With(input, Math.Min(at, input.Length - 1), SpecialBytes[Value % SpecialBytes.Length]),
            MutationKind.InsertBytes => [.. input[..at], .. RandomBytes(random, 1 + (Value % 8)), .. input[at..]],
            MutationKind.InsertSpecialByte => [.. input[..at], SpecialBytes[Value % SpecialBytes.Length], .. input[at..]],
            MutationKind.DeleteBytes => [.. input[..at], .. input[Math.Min(input.Length, at + 1 + (Value % 16))..]],
            MutationKind.Truncate => input[..at],
            MutationKind.AppendBytes => [.. input, .. RandomBytes(random, 1 + (Value % 16))],
            MutationKind.DuplicateLine => Lines(input, lines => lines.Insert(LineIndex(lines), lines[LineIndex(lines)])),
            MutationKind.DeleteLine => Lines(input, lines => lines.RemoveAt(LineIndex(lines))),
            MutationKind.SwapLines => Lines(input, lines => (lines[LineIndex(lines)], lines[LineIndex(lines, To)]) = (lines[LineIndex(lines, To)], lines[LineIndex(lines)])),
            MutationKind.SwapFields => Fields(input, fields => (fields[FieldIndex(fields, At)], fields[FieldIndex(fields, To)]) = (fields[FieldIndex(fields, To)], fields[FieldIndex(fields, At)])),
            MutationKind.SetField => Fields(input, fields => fields[FieldIndex(fields, To)] = SpecialFields[Value % SpecialFields.Length]),
            MutationKind.InsertBlankLine => Lines(input, lines => lines.Insert(LineIndex(lines), Value % 2 == 0 ? "" : "  \r")),
            MutationKind.CrLf => Latin1(Encoding.Latin1.GetString(input).Replace("\n", "\r\n", StringComparison.Ordinal)),
            MutationKind.Bom => [0xEF, 0xBB, 0xBF, .. input],
            MutationKind.QuoteFields => Fields(input, fields =>
            {
                for (var i = 0; i < fields.Count; i++)
                {
                    fields[i] = $"\"{fields[i]}\"";
                }
            }),
            _ => input,
        };
    }

    public override string ToString() => $"{Kind} at {At:0.####} to {To:0.####} value {Value}";

    private static Gen<Mutation> Of(params MutationKind[] kinds) =>
        Gen.Select(Gen.OneOf(kinds), Gen.Double[0, 1], Gen.Double[0, 1], Gen.Int[0, 1 << 20], (kind, at, to, value) => new Mutation(kind, at, to, value));

    private int Position(int length) => Math.Clamp((int)(At * (length + 1)), 0, length);

    private int LineIndex(List<string> lines, double? fraction = null) => Math.Clamp((int)((fraction ?? At) * lines.Count), 0, lines.Count - 1);

    private static int FieldIndex(List<string> fields, double fraction) => Math.Clamp((int)(fraction * fields.Count), 0, fields.Count - 1);

    private static byte[] With(byte[] input, int index, byte value)
    {
        var output = (byte[])input.Clone();
        output[index] = value;
        return output;
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Latin1(string text) => Encoding.Latin1.GetBytes(text);

    // Latin-1 maps bytes to characters one to one, so text edits keep every other byte as it was.
    private static byte[] Lines(byte[] input, Action<List<string>> edit)
    {
        var lines = Encoding.Latin1.GetString(input).Split('\n').ToList();
        edit(lines);
        return Latin1(string.Join('\n', lines));
    }

    private byte[] Fields(byte[] input, Action<List<string>> edit) => Lines(input, lines =>
    {
        var index = LineIndex(lines);
        var fields = lines[index].Split(',').ToList();
        edit(fields);
        lines[index] = string.Join(',', fields);
    });
}
