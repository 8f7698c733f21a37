namespace PersonalFer.Data;

/// <summary>
/// Reads what a caller's stream holds into memory, within a limit. Streams may not seek (a network or request body)
/// and may not know their length, so the buffer grows with the bytes that actually arrive and reading stops as soon
/// as they exceed the limit: a stream never makes the library hold more than the limit.
/// </summary>
internal static class StreamBuffer
{
    private const int CopyBufferSize = 81920;

    /// <summary>The rest of <paramref name="stream"/>, at most <paramref name="maxBytes"/> bytes.</summary>
    /// <exception cref="InvalidDataException">The stream holds more than <paramref name="maxBytes"/> bytes; the message states the limit.</exception>
    public static byte[] ReadAll(Stream stream, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var content = new MemoryStream();
        var buffer = new byte[CopyBufferSize];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            Append(content, buffer, read, maxBytes);
        }

        return content.ToArray();
    }

    /// <summary>The rest of <paramref name="stream"/>, read asynchronously, at most <paramref name="maxBytes"/> bytes.</summary>
    /// <exception cref="InvalidDataException">The stream holds more than <paramref name="maxBytes"/> bytes; the message states the limit.</exception>
    public static async Task<byte[]> ReadAllAsync(Stream stream, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var content = new MemoryStream();
        var buffer = new byte[CopyBufferSize];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            Append(content, buffer, read, maxBytes);
        }

        return content.ToArray();
    }

    /// <summary>Opens a file for reading, for asynchronous reads when <paramref name="asynchronous"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static FileStream OpenFile(string path, bool asynchronous = false) =>
        File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096, asynchronous)
            : throw new FileNotFoundException($"{path}: file not found", path);

    /// <summary>The file's name when the stream is a file, else <paramref name="fallback"/>: what errors call the stream.</summary>
    public static string Describe(Stream stream, string fallback) => stream is FileStream file ? file.Name : fallback;

    private static void Append(MemoryStream content, byte[] buffer, int read, int maxBytes)
    {
        if (content.Length + read > maxBytes)
        {
            throw new InvalidDataException($"the stream holds more than {maxBytes:N0} bytes, the most it may");
        }

        content.Write(buffer, 0, read);
    }
}
