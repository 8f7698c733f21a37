using System.Runtime.InteropServices;
using PersonalFer.Data;
using static TorchSharp.torch;

namespace PersonalFer.Model.Networks;

/// <summary>
/// Reads TorchSharp's state-dict format (what <c>Module.save</c> writes) into a module without trusting it. TorchSharp's
/// own <c>load</c> allocates whatever sizes the stream declares and reports a mismatch without naming the tensor;
/// here every name, type, rank and dimension is checked against the module's own state before anything is allocated,
/// values against <see cref="NetworkState.ValueProblem"/>, and nothing is copied in until the whole stream has been read.
/// </summary>
internal static class StateDictFormat
{
    // Layout: a LEB128 tensor count; per tensor its name (a BinaryWriter string), then as LEB128 its scalar type, its
    // rank and each dimension, then its values as raw little-endian bytes.
    private const int MaxLeb128Bytes = 10;

    /// <summary>Replaces <paramref name="module"/>'s state with the one in <paramref name="stream"/>, which must hold exactly it.</summary>
    /// <exception cref="InvalidDataException">Anything does not match or is truncated; the message names the tensor.</exception>
    public static void Load(nn.Module module, Stream stream)
    {
        var state = module.state_dict();
        var values = new Dictionary<string, byte[]>(state.Count, StringComparer.Ordinal);
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        try
        {
            var count = ReadLeb128(reader);
            if (count != state.Count)
            {
                throw new InvalidDataException($"holds {count} tensors; the network has {state.Count}");
            }

            for (var i = 0; i < state.Count; i++)
            {
                var name = StoredBinary.ReadName(reader);
                if (!state.TryGetValue(name, out var target))
                {
                    throw new InvalidDataException($"tensor '{StoredText.Shown(name)}' is not part of the network");
                }

                if (values.ContainsKey(name))
                {
                    throw new InvalidDataException($"tensor '{name}' appears twice");
                }

                CheckHeader(reader, name, target);
                var length = target.numel() * target.ElementSize;
                var bytes = reader.ReadBytes((int)length);
                if (bytes.Length != length)
                {
                    throw new EndOfStreamException();
                }

                if (target.dtype == ScalarType.Float32 && NetworkState.ValueProblem(name, MemoryMarshal.Cast<byte, float>(bytes)) is { } problem)
                {
                    throw new InvalidDataException($"tensor '{name}' {problem}");
                }

                values[name] = bytes;
            }

            StoredBinary.ExpectEnd(stream);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("truncated", e);
        }

        foreach (var (name, bytes) in values)
        {
            state[name].bytes = bytes;
        }
    }

    private static void CheckHeader(BinaryReader reader, string name, Tensor target)
    {
        var type = ReadLeb128(reader);
        if (type != (long)target.dtype)
        {
            throw new InvalidDataException($"tensor '{name}' has scalar type {type}; the network's is {target.dtype}");
        }

        var rank = ReadLeb128(reader);
        if (rank != target.dim())
        {
            throw new InvalidDataException($"tensor '{name}' has {rank} dimensions; the network's has {target.dim()} [{string.Join(", ", target.shape)}]");
        }

        for (var d = 0; d < rank; d++)
        {
            var dimension = ReadLeb128(reader);
            if (dimension != target.shape[d])
            {
                throw new InvalidDataException($"tensor '{name}' has {dimension} in dimension {d}; the network's is [{string.Join(", ", target.shape)}]");
            }
        }
    }

    private static long ReadLeb128(BinaryReader reader)
    {
        var value = 0UL;
        for (var i = 0; i < MaxLeb128Bytes; i++)
        {
            var next = reader.ReadByte();
            value |= (ulong)(next & 0x7F) << (7 * i);
            if ((next & 0x80) == 0)
            {
                return value <= long.MaxValue ? (long)value : throw new InvalidDataException($"a length of {value} is out of range");
            }
        }

        throw new InvalidDataException("a length is malformed");
    }
}
