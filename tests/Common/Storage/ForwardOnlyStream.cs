namespace PersonalFer.Tests;

/// <summary>
/// A stream that reads or writes only forward and knows no length, like a network or request body: seeking,
/// Length and Position fail. Reads return at most <see cref="ChunkBytes"/> bytes at a time, as sockets do. Made
/// asynchronous only, it refuses synchronous reads and writes as ASP.NET Core's request and response bodies do.
/// </summary>
internal sealed class ForwardOnlyStream : Stream
{
    private const int ChunkBytes = 1000;

    private readonly MemoryStream _inner;
    private readonly bool _asynchronousOnly;

    private ForwardOnlyStream(MemoryStream inner, bool asynchronousOnly)
    {
        _inner = inner;
        _asynchronousOnly = asynchronousOnly;
    }

    /// <summary>A stream to read <paramref name="content"/> from.</summary>
    public static ForwardOnlyStream Reading(byte[] content, bool asynchronousOnly = false) => new(new MemoryStream(content, writable: false), asynchronousOnly);

    /// <summary>A stream to write to; <see cref="Written"/> holds what arrived.</summary>
    public static ForwardOnlyStream Writing(bool asynchronousOnly = false) => new(new MemoryStream(), asynchronousOnly);

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

    public override int Read(byte[] buffer, int offset, int count)
    {
        RefuseSynchronous();
        return _inner.Read(buffer, offset, Math.Min(count, ChunkBytes));
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        RefuseSynchronous();
        _inner.Write(buffer, offset, count);
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.ReadAsync(buffer[..Math.Min(buffer.Length, ChunkBytes)], cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void RefuseSynchronous()
    {
        if (_asynchronousOnly)
        {
            throw new InvalidOperationException("Synchronous operations are disallowed.");
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
