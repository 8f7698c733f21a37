namespace PersonalFer.Data;

/// <summary>
/// Reads what a caller's stream holds into memory, within a limit. Streams may not seek (a network or request body)
/// and may not know their length, so the buffer grows with the bytes that actually arrive, never beyond the limit,
/// and reading stops as soon as they exceed it. A stream that knows its length is read into a buffer of exactly that
/// size; one that does not costs, at most, the limit while reading plus one copy of what it held.
/// </summary>
internal static class StreamBuffer
{
    private const int CopyBufferSize = 81920;

    /// <summary>The rest of <paramref name="stream"/>, at most <paramref name="maxBytes"/> bytes.</summary>
    /// <exception cref="InvalidDataException">The stream holds more than <paramref name="maxBytes"/> bytes; the message states the limit.</exception>
    public static byte[] ReadAll(Stream stream, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var content = Sized(stream, maxBytes);
        var buffer = new byte[CopyBufferSize];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            Append(content, buffer, read, maxBytes);
        }

        return Contents(content);
    }

    /// <summary>The rest of <paramref name="stream"/>, read asynchronously, at most <paramref name="maxBytes"/> bytes.</summary>
    /// <exception cref="InvalidDataException">The stream holds more than <paramref name="maxBytes"/> bytes; the message states the limit.</exception>
    public static async Task<byte[]> ReadAllAsync(Stream stream, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var content = Sized(stream, maxBytes);
        var buffer = new byte[CopyBufferSize];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            Append(content, buffer, read, maxBytes);
        }

        return Contents(content);
    }

    /// <summary>Opens a file for reading, for asynchronous reads when <paramref name="asynchronous"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static FileStream OpenFile(string path, bool asynchronous = false) =>
        File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096, asynchronous)
            : throw new FileNotFoundException($"{path}: file not found", path);

    /// <summary>The file's name when the stream is a file, else <paramref name="fallback"/>: what errors call the stream.</summary>
    public static string Describe(Stream stream, string fallback) => stream is FileStream file ? file.Name : fallback;

    // A seekable stream says how much is left: one buffer of that size (within the limit), no growth.
    private static MemoryStream Sized(Stream stream, int maxBytes)
    {
        long remaining = 0;
        if (stream.CanSeek)
        {
            try
            {
                remaining = Math.Max(0, stream.Length - stream.Position);
            }
            catch (NotSupportedException)
            {
                // Some streams claim to seek but do not know their length: they grow like any other.
            }
        }

        return new MemoryStream((int)Math.Min(remaining, maxBytes));
    }

    private static void Append(MemoryStream content, byte[] buffer, int read, int maxBytes)
    {
        var needed = content.Length + read;
        if (needed > maxBytes)
        {
            throw new InvalidDataException($"the stream holds more than {maxBytes:N0} bytes, the most it may");
        }

        if (needed > content.Capacity)
        {
            // MemoryStream would double its capacity past the limit; growth stops at it.
            content.Capacity = (int)Math.Min(Math.Max(needed, 2L * content.Capacity), maxBytes);
        }

        content.Write(buffer, 0, read);
    }

    // The buffer itself when the content fills it exactly (a stream of known length), else a copy of the content.
    private static byte[] Contents(MemoryStream content) =>
        content.Length == content.Capacity ? content.GetBuffer() : content.ToArray();
}
