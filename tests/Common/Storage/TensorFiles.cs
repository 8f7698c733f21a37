using CsCheck;

namespace PersonalFer.Tests;

/// <summary>How a file lays out its tensors.</summary>
public enum TensorLayout
{
    /// <summary>TorchSharp's <c>Module.save</c>: LEB128 count, then per tensor its name, LEB128 type, rank and dimensions, raw values.</summary>
    StateDict,

    /// <summary>PersonalFer's <c>weights-fp16.bin</c>: int32 count, then per tensor its name, int32 rank, int64 dimensions, fp16 values.</summary>
    Half,
}

/// <summary>What a structural mutation of a tensor file does; the generator shrinks towards the first.</summary>
public enum TensorDamage
{
    SwapTensors,
    ChangeValue,
    Count,
    Name,
    NameLength,
    DuplicateTensor,
    DropTensor,
    Type,
    Rank,
    Dimension,
    CutValues,
    ExtraValues,
    NonFinite,
    Trailing,
    Truncate,
    FlipHeaderByte,
}

/// <summary>One structural mutation: what, to which tensor, with which number, where.</summary>
internal sealed record TensorMutation(TensorDamage Damage, int Tensor, long Number, int Position);

/// <summary>One tensor as a file holds it; the declared lengths can be made to lie.</summary>
internal sealed record TensorRecord(string Name, long Type, long[] Shape, byte[] Values)
{
    public int? DeclaredNameLength { get; init; }

    public long? DeclaredRank { get; init; }
}

/// <summary>
/// Parses and rewrites the tensor files inside model files and profiles, for fuzzing their structure: counts,
/// names, types, ranks, dimensions and lengths, while the values stay what they were (or become NaN or infinite, or
/// another small finite number), so that whatever still loads must predict finite probabilities.
/// </summary>
internal static class TensorFiles
{
    private const long Float32Type = 6;
    private const long Int64Type = 4;

    /// <summary>Numbers a mutation writes where a count, type, rank, dimension or length belongs.</summary>
    public static Gen<long> Numbers { get; } = Gen.OneOf(
        Gen.Long[-2, 3000],
        Gen.Long,
        Gen.Const(long.MaxValue),
        Gen.Const((long)int.MaxValue),
        Gen.Const(1L << 32),
        Gen.Const(1L << 40));

    /// <summary>Mutations of a file of <paramref name="tensors"/> tensors.</summary>
    public static Gen<TensorMutation> Mutations(int tensors) =>
        Gen.Select(Gen.Enum<TensorDamage>(), Gen.Int[0, tensors - 1], Numbers, Gen.Int[0, int.MaxValue], (damage, tensor, number, position) => new TensorMutation(damage, tensor, number, position));

    public static List<TensorRecord> Parse(byte[] content, TensorLayout layout)
    {
        using var reader = new BinaryReader(new MemoryStream(content));
        var count = layout == TensorLayout.StateDict ? ReadLeb128(reader) : reader.ReadInt32();
        var records = new List<TensorRecord>();
        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadString();
            var type = layout == TensorLayout.StateDict ? ReadLeb128(reader) : Float32Type;
            var rank = layout == TensorLayout.StateDict ? ReadLeb128(reader) : reader.ReadInt32();
            var shape = new long[rank];
            for (var d = 0; d < rank; d++)
            {
                shape[d] = layout == TensorLayout.StateDict ? ReadLeb128(reader) : reader.ReadInt64();
            }

            var values = reader.ReadBytes((int)(shape.Aggregate(1L, (a, b) => a * b) * ElementSize(type, layout)));
            records.Add(new TensorRecord(name, type, shape, values));
        }

        return records;
    }

    /// <summary>The file with <paramref name="mutation"/> applied.</summary>
    public static byte[] Apply(byte[] content, TensorLayout layout, TensorMutation mutation)
    {
        var records = Parse(content, layout);
        var t = mutation.Tensor % records.Count;
        var record = records[t];
        long? count = null;
        switch (mutation.Damage)
        {
            case TensorDamage.SwapTensors:
                (records[t], records[(t + 1) % records.Count]) = (records[(t + 1) % records.Count], records[t]);
                break;
            case TensorDamage.ChangeValue:
                records[t] = record with { Values = WithValue(record, layout, mutation.Position, ((mutation.Number % 1000) - 500) / 100f) };
                break;
            case TensorDamage.Count:
                count = mutation.Number;
                break;
            case TensorDamage.Name:
                records[t] = record with { Name = (mutation.Number % 4) switch { 0 => records[(t + 1) % records.Count].Name, 1 => "", 2 => record.Name + "x", _ => new string('n', 300) } };
                break;
            case TensorDamage.NameLength:
                records[t] = record with { DeclaredNameLength = (int)mutation.Number };
                break;
            case TensorDamage.DuplicateTensor:
                records.Insert(t, record);
                break;
            case TensorDamage.DropTensor:
                records.RemoveAt(t);
                break;
            case TensorDamage.Type:
                records[t] = layout == TensorLayout.StateDict ? record with { Type = mutation.Number } : record with { DeclaredRank = mutation.Number };
                break;
            case TensorDamage.Rank:
                records[t] = record with { DeclaredRank = mutation.Number };
                break;
            case TensorDamage.Dimension:
                records[t] = record with { Shape = [.. record.Shape.Select((d, i) => i == mutation.Position % Math.Max(1, record.Shape.Length) ? mutation.Number : d)] };
                break;
            case TensorDamage.CutValues:
                records[t] = record with { Values = record.Values[..(mutation.Position % Math.Max(1, record.Values.Length))] };
                break;
            case TensorDamage.ExtraValues:
                records[t] = record with { Values = [.. record.Values, .. new byte[1 + (mutation.Position % 64)]] };
                break;
            case TensorDamage.NonFinite:
                records[t] = record with { Values = WithValue(record, layout, mutation.Position, (mutation.Number % 3) switch { 0 => float.NaN, 1 => float.PositiveInfinity, _ => float.NegativeInfinity }) };
                break;
        }

        var (bytes, headers) = Write(records, layout, count);
        return mutation.Damage switch
        {
            TensorDamage.Trailing => [.. bytes, .. new byte[1 + (mutation.Position % 16)]],
            TensorDamage.Truncate => bytes[..(mutation.Position % bytes.Length)],
            TensorDamage.FlipHeaderByte => Flip(bytes, headers[Math.Min(t, headers.Count - 1)], mutation),
            _ => bytes,
        };
    }

    /// <summary>The file, and where each tensor's header (name to last dimension) lies in it.</summary>
    public static (byte[] Bytes, List<Range> Headers) Write(IReadOnlyList<TensorRecord> records, TensorLayout layout, long? count = null)
    {
        using var memory = new MemoryStream();
        using var writer = new BinaryWriter(memory);
        WriteNumber(writer, layout, count ?? records.Count, wide: false);
        var headers = new List<Range>();
        foreach (var record in records)
        {
            var start = (int)memory.Position;
            var name = System.Text.Encoding.UTF8.GetBytes(record.Name);
            writer.Write7BitEncodedInt(record.DeclaredNameLength ?? name.Length);
            writer.Write(name);
            if (layout == TensorLayout.StateDict)
            {
                WriteLeb128(writer, record.Type);
            }

            WriteNumber(writer, layout, record.DeclaredRank ?? record.Shape.Length, wide: false);
            foreach (var dimension in record.Shape)
            {
                WriteNumber(writer, layout, dimension, wide: true);
            }

            headers.Add(start..(int)memory.Position);
            writer.Write(record.Values);
        }

        writer.Flush();
        return (memory.ToArray(), headers);
    }

    private static byte[] Flip(byte[] bytes, Range header, TensorMutation mutation)
    {
        var (offset, length) = header.GetOffsetAndLength(bytes.Length);
        var flipped = (byte[])bytes.Clone();
        flipped[offset + (mutation.Position % length)] ^= (byte)(1 + (mutation.Number & 0xFE));
        return flipped;
    }

    private static byte[] WithValue(TensorRecord record, TensorLayout layout, int position, float value)
    {
        var values = (byte[])record.Values.Clone();
        var size = ElementSize(record.Type, layout);
        if (values.Length < size)
        {
            return values;
        }

        var at = position % (values.Length / size) * size;
        if (layout == TensorLayout.Half)
        {
            BitConverter.TryWriteBytes(values.AsSpan(at), (Half)value);
        }
        else if (record.Type == Float32Type)
        {
            BitConverter.TryWriteBytes(values.AsSpan(at), value);
        }

        return values;
    }

    private static int ElementSize(long type, TensorLayout layout) =>
        layout == TensorLayout.Half ? 2 : type == Int64Type ? 8 : 4;

    private static void WriteNumber(BinaryWriter writer, TensorLayout layout, long value, bool wide)
    {
        if (layout == TensorLayout.StateDict)
        {
            WriteLeb128(writer, value);
        }
        else if (wide)
        {
            writer.Write(value);
        }
        else
        {
            writer.Write((int)value);
        }
    }

    private static void WriteLeb128(BinaryWriter writer, long value)
    {
        var rest = (ulong)value;
        do
        {
            var next = (byte)(rest & 0x7F);
            rest >>= 7;
            writer.Write(rest == 0 ? next : (byte)(next | 0x80));
        }
        while (rest != 0);
    }

    private static long ReadLeb128(BinaryReader reader)
    {
        var value = 0L;
        for (var shift = 0; ; shift += 7)
        {
            var next = reader.ReadByte();
            value |= (long)(next & 0x7F) << shift;
            if ((next & 0x80) == 0)
            {
                return value;
            }
        }
    }
}
