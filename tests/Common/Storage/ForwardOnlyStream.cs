namespace PersonalFer.Tests;

/// <summary>
/// A stream that reads or writes only forward and knows no length, like a network or request body: seeking,
/// Length and Position fail. Reads return at most <see cref="ChunkBytes"/> bytes at a time, as sockets do.
/// </summary>
internal sealed class ForwardOnlyStream : Stream
{
    private const int ChunkBytes = 1000;

    private readonly MemoryStream _inner;

    private ForwardOnlyStream(MemoryStream inner) => _inner = inner;

    /// <summary>A stream to read <paramref name="content"/> from.</summary>
    public static ForwardOnlyStream Reading(byte[] content) => new(new MemoryStream(content, writable: false));

    /// <summary>A stream to write to; <see cref="Written"/> holds what arrived.</summary>
    public static ForwardOnlyStream Writing() => new(new MemoryStream());

    public byte[] Written => _inner.ToArray();

    public override bool CanRead => !_inner.CanWrite;

    public override bool CanSeek => false;

    public override bool CanWrite => _inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, ChunkBytes));

    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
