using System.IO.Compression;
using System.IO.Hashing;

namespace PersonalFer.Data;

/// <summary>
/// Reads the zip archives PersonalFer writes (model files, profiles) trusting nothing in them. .NET's
/// <see cref="ZipArchive"/> checks neither an entry's CRC-32 nor its declared size while inflating it, so a flipped
/// byte or a lying header would pass unseen: here each entry is read whole, within a size limit, and checked against
/// both. Every problem is an <see cref="InvalidDataException"/> naming the entry, for the caller to turn into its
/// format exception.
/// </summary>
internal static class ArchiveReader
{
    private const int CopyBufferSize = 64 * 1024;

    /// <summary>Opens an archive file for reading.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">It is not a zip archive, or it is truncated.</exception>
    public static ZipArchive Open(string path)
    {
        var stream = StreamBuffer.OpenFile(path);
        try
        {
            return new ZipArchive(stream, ZipArchiveMode.Read);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The archive's entries by name: each of <paramref name="required"/> exactly once, each of
    /// <paramref name="optional"/> at most once, and nothing else.
    /// </summary>
    /// <exception cref="InvalidDataException">An entry is missing, repeated or unexpected.</exception>
    public static Dictionary<string, ZipArchiveEntry> Entries(ZipArchive zip, IReadOnlyCollection<string> required, IReadOnlyCollection<string> optional)
    {
        var entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        foreach (var entry in Directory(zip))
        {
            if (!required.Contains(entry.FullName) && !optional.Contains(entry.FullName))
            {
                throw new InvalidDataException($"holds an unexpected entry '{StoredText.Shown(entry.FullName)}'");
            }

            if (!entries.TryAdd(entry.FullName, entry))
            {
                throw new InvalidDataException($"holds {entry.FullName} twice");
            }
        }

        if (required.FirstOrDefault(name => !entries.ContainsKey(name)) is { } missing)
        {
            throw new InvalidDataException($"has no {missing}");
        }

        return entries;
    }

    /// <summary>Reads an entry whole, checked against the size its header declares, <paramref name="maxLength"/> and its CRC-32.</summary>
    /// <exception cref="InvalidDataException">The entry is larger than allowed, truncated, or corrupt.</exception>
    public static byte[] Read(ZipArchiveEntry entry, int maxLength)
    {
        if (entry.Length > maxLength)
        {
            throw new InvalidDataException($"{entry.FullName} declares {entry.Length:N0} bytes, more than the {maxLength:N0} it may hold");
        }

        // The buffer grows with the bytes actually inflated, never with what a header claims, and stops past it.
        using var content = new MemoryStream();
        try
        {
            using var stream = entry.Open();
            var buffer = new byte[CopyBufferSize];
            int read;
            while (content.Length <= entry.Length && (read = stream.Read(buffer)) > 0)
            {
                content.Write(buffer, 0, read);
            }
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{entry.FullName} is corrupt ({e.Message})", e);
        }

        if (content.Length != entry.Length)
        {
            throw new InvalidDataException($"{entry.FullName} holds {content.Length:N0} bytes, not the {entry.Length:N0} its header declares");
        }

        var bytes = content.ToArray();
        if (Crc32.HashToUInt32(bytes) != entry.Crc32)
        {
            throw new InvalidDataException($"{entry.FullName} is corrupt: its CRC-32 does not match its content");
        }

        return bytes;
    }

    private static IReadOnlyCollection<ZipArchiveEntry> Directory(ZipArchive zip)
    {
        try
        {
            return zip.Entries;
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"the zip directory is corrupt ({e.Message})", e);
        }
    }
}
