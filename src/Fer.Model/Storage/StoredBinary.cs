using System.Text;

namespace PersonalFer.Model;

/// <summary>Reading the parts of PersonalFer's binary entries that declare their own length, with the length checked first.</summary>
internal static class StoredBinary
{
    // Longer than any tensor name of the networks ("features.block4.conv2.weight" and the like).
    private const int MaxNameBytes = 256;

    /// <summary>A tensor name as <see cref="BinaryWriter.Write(string)"/> writes it: a 7-bit encoded length, then UTF-8.</summary>
    /// <exception cref="InvalidDataException">The length is malformed or implausible.</exception>
    /// <exception cref="EndOfStreamException">The stream ends inside the name.</exception>
    public static string ReadName(BinaryReader reader)
    {
        int length;
        try
        {
            length = reader.Read7BitEncodedInt();
        }
        catch (FormatException e)
        {
            throw new InvalidDataException("a tensor name's length is malformed", e);
        }

        if (length is < 0 or > MaxNameBytes)
        {
            throw new InvalidDataException($"a tensor name claims {length} bytes (at most {MaxNameBytes})");
        }

        var bytes = reader.ReadBytes(length);
        return bytes.Length == length ? Encoding.UTF8.GetString(bytes) : throw new EndOfStreamException();
    }

    /// <summary>The stream is at its end: nothing follows the last tensor read.</summary>
    /// <exception cref="InvalidDataException">More bytes follow.</exception>
    public static void ExpectEnd(Stream stream)
    {
        if (stream.ReadByte() != -1)
        {
            throw new InvalidDataException("data follows the last tensor");
        }
    }
}
