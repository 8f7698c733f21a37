using System.IO.Compression;

namespace PersonalFer.Tests;

/// <summary>
/// Zip archives for tests of model and profile files: read into named entries and written back with correct CRCs,
/// so a test can make a zip that is valid while its content is wrong, or damage the zip itself.
/// </summary>
internal static class TestArchives
{
    private const uint LocalHeaderSignature = 0x04034b50;
    private const uint CentralHeaderSignature = 0x02014b50;
    private const uint EndOfCentralDirectorySignature = 0x06054b50;

    /// <summary>How many kinds of damage <see cref="Damage"/> does.</summary>
    public const int DamageKinds = 7;

    /// <summary>The entries in archive order.</summary>
    public static List<(string Name, byte[] Content)> Read(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        return [.. archive.Entries.Select(entry => (entry.FullName, ReadAll(entry)))];
    }

    /// <summary>An archive of <paramref name="entries"/>, stored (not deflated, which is slow on megabytes of weights).</summary>
    public static byte[] Write(IEnumerable<(string Name, byte[] Content)> entries)
    {
        using var memory = new MemoryStream();
        using (var archive = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var stream = archive.CreateEntry(name, CompressionLevel.NoCompression).Open();
                stream.Write(content);
            }
        }

        return memory.ToArray();
    }

    /// <summary><paramref name="zip"/> with entry <paramref name="name"/>'s content replaced.</summary>
    public static byte[] WithEntry(byte[] zip, string name, byte[] content) => WithEntry(Read(zip), name, content);

    /// <summary>An archive of <paramref name="entries"/> with entry <paramref name="name"/>'s content replaced.</summary>
    public static byte[] WithEntry(IEnumerable<(string Name, byte[] Content)> entries, string name, byte[] content) =>
        Write(entries.Select(entry => entry.Name == name ? (name, content) : entry));

    /// <summary>The content of one entry of an archive file.</summary>
    public static byte[] ReadEntry(string path, string name) =>
        Read(File.ReadAllBytes(path)).Single(entry => entry.Name == name).Content;

    /// <summary>Replaces one entry of an archive file, keeping the others.</summary>
    public static void ReplaceEntry(string path, string name, byte[] content) =>
        File.WriteAllBytes(path, WithEntry(File.ReadAllBytes(path), name, content));

    /// <summary>Where the zip's own structure starts: every local and central file header and the directory's end, where a flipped byte damages the zip rather than an entry.</summary>
    public static int[] HeaderOffsets(byte[] zip) =>
        [.. Enumerable.Range(0, zip.Length - 3).Where(i => BitConverter.ToUInt32(zip, i) is LocalHeaderSignature or CentralHeaderSignature or EndOfCentralDirectorySignature)];

    /// <summary>
    /// <paramref name="file"/> damaged at the zip level by damage <paramref name="kind"/> (of <see cref="DamageKinds"/>):
    /// a cut, a byte flipped in a header (<see cref="HeaderOffsets"/>) or anywhere, or an entry dropped, repeated,
    /// added or renamed; <paramref name="position"/> and <paramref name="value"/> say where and how.
    /// </summary>
    public static byte[] Damage(byte[] file, List<(string Name, byte[] Content)> entries, int[] headers, int kind, int position, int value)
    {
        var damaged = (byte[])file.Clone();
        var entry = entries[position % entries.Count];
        switch (kind)
        {
            case 0:
                return file[..(position % file.Length)];
            case 1:
                damaged[Math.Min(file.Length - 1, headers[position % headers.Length] + (value % 64))] ^= (byte)value;
                return damaged;
            case 2:
                damaged[position % file.Length] ^= (byte)value;
                return damaged;
            case 3:
                return Write(entries.Where(e => e.Name != entry.Name));
            case 4:
                return Write([.. entries, entry]);
            case 5:
                return Write([.. entries, (value % 2 == 0 ? "extra.bin" : "folder/", [])]);
            default:
                return Write(entries.Select(e => e.Name == entry.Name ? (value % 2 == 0 ? e.Name.ToUpperInvariant() : $"folder/{e.Name}", e.Content) : e));
        }
    }

    private static byte[] ReadAll(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
