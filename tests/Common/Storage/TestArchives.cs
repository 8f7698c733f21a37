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
    public static byte[] WithEntry(byte[] zip, string name, byte[] content) =>
        Write(Read(zip).Select(entry => entry.Name == name ? (name, content) : entry));

    /// <summary>The content of one entry of an archive file.</summary>
    public static byte[] ReadEntry(string path, string name) =>
        Read(File.ReadAllBytes(path)).Single(entry => entry.Name == name).Content;

    /// <summary>Replaces one entry of an archive file, keeping the others.</summary>
    public static void ReplaceEntry(string path, string name, byte[] content) =>
        File.WriteAllBytes(path, WithEntry(File.ReadAllBytes(path), name, content));

    /// <summary>Where the zip's own structure starts: every local and central file header and the directory's end, where a flipped byte damages the zip rather than an entry.</summary>
    public static int[] HeaderOffsets(byte[] zip) =>
        [.. Enumerable.Range(0, zip.Length - 3).Where(i => BitConverter.ToUInt32(zip, i) is LocalHeaderSignature or CentralHeaderSignature or EndOfCentralDirectorySignature)];

    private static byte[] ReadAll(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
