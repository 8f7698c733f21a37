using System.IO.Compression;

namespace PersonalFer.Data;

/// <summary>
/// Decompresses gzip data (one member or several, concatenated) and throws <see cref="InvalidDataException"/>, at
/// the latest when the end is read, unless every member is intact and complete and nothing follows the last one.
/// </summary>
/// <remarks>
/// <see cref="GZipStream"/> checks each member's CRC-32 and length when it reaches them, but when the input ends
/// inside a member it just stops, and it ignores whatever follows the last member. So the input gets one more, known
/// member appended (the end mark): the mark comes out only when every member before it ended exactly where the
/// data does; when it does not, the data is cut or has something else after it.
/// </remarks>
internal sealed class CheckedGzipStream : ForwardReadStream
{
    private const string Corrupt = "truncated or corrupt gzip data";

    private static readonly byte[] Signature = [0x1f, 0x8b];

    // Never produced by text, and checked only after the last member.
    private static readonly byte[] EndMark = "\0\u00ffPersonalFer: the end of the gzip data\u00ff\0"u8.ToArray();

    private static readonly byte[] EndMember = Compress(EndMark);

    private readonly GZipStream _gzip;
    private readonly byte[] _buffer = new byte[1 << 16];
    private int _start;
    private int _end;
    private bool _ended;

    /// <summary>Reads <paramref name="compressed"/> from its current position; the caller keeps and disposes it.</summary>
    public CheckedGzipStream(Stream compressed) => _gzip = new GZipStream(new EndMarkedStream(compressed), CompressionMode.Decompress);

    /// <summary>True when <paramref name="start"/> (the first bytes of a file) begins with the gzip signature.</summary>
    public static bool HasSignature(ReadOnlySpan<byte> start) => start.StartsWith(Signature);

    public override int Read(Span<byte> buffer)
    {
        // The last EndMark.Length bytes are held back: they are the end mark, or show that it is missing.
        while (!_ended && _end - _start <= EndMark.Length)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
            var read = ReadDecompressed(_buffer.AsSpan(_end));
            _end += read;
            if (read == 0)
            {
                _ended = true;
                if (!_buffer.AsSpan(_start, _end - _start).EndsWith(EndMark))
                {
                    throw new InvalidDataException($"{Corrupt}: it ends inside a gzip member, or something other than gzip data follows the last member");
                }
            }
        }

        var count = Math.Min(buffer.Length, _end - _start - EndMark.Length);
        if (count <= 0)
        {
            return 0;
        }

        _buffer.AsSpan(_start, count).CopyTo(buffer);
        _start += count;
        return count;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gzip.Dispose();
        }

        base.Dispose(disposing);
    }

    private static byte[] Compress(byte[] content)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return compressed.ToArray();
    }

    private int ReadDecompressed(Span<byte> buffer)
    {
        try
        {
            return _gzip.Read(buffer);
        }
        catch (InvalidDataException e)
        {
            // GZipStream's own message ("unsupported compression method") misleads for a bad checksum or length.
            throw new InvalidDataException($"{Corrupt}: a header, compressed block, CRC-32 or length does not check out", e);
        }
    }

    /// <summary>The compressed data followed by <see cref="EndMember"/>.</summary>
    private sealed class EndMarkedStream(Stream compressed) : ForwardReadStream
    {
        private int _markRead = -1;

        public override int Read(Span<byte> buffer)
        {
            if (_markRead < 0)
            {
                var read = compressed.Read(buffer);
                if (read > 0 || buffer.IsEmpty)
                {
                    return read;
                }

                _markRead = 0;
            }

            var count = Math.Min(buffer.Length, EndMember.Length - _markRead);
            EndMember.AsSpan(_markRead, count).CopyTo(buffer);
            _markRead += count;
            return count;
        }
    }
}
