using System.Runtime.InteropServices;

namespace PersonalFer.Model.Native;

/// <summary>
/// Native memory aligned to a cache line, freed exactly once: on Dispose, or by the finalizer when its owner was never
/// disposed. A SafeHandle, so a call that holds it (<see cref="Acquire"/>) keeps it alive through a concurrent Dispose.
/// </summary>
internal sealed unsafe class AlignedBuffer : SafeHandle
{
    private const nuint Alignment = 64;

    public AlignedBuffer(long bytes)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Bytes = bytes;
        SetHandle((IntPtr)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), Alignment));
    }

    /// <summary>The usable size.</summary>
    public long Bytes { get; }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>The buffer's address, held (not freed by a concurrent Dispose) until the lease is disposed.</summary>
    /// <exception cref="ObjectDisposedException">The buffer was disposed.</exception>
    public Lease Acquire()
    {
        var added = false;
        DangerousAddRef(ref added);
        return new Lease(this);
    }

    protected override bool ReleaseHandle()
    {
        NativeMemory.AlignedFree((void*)handle);
        return true;
    }

    /// <summary>A held reference to an <see cref="AlignedBuffer"/>'s memory.</summary>
    public readonly ref struct Lease
    {
        private readonly AlignedBuffer _buffer;

        internal Lease(AlignedBuffer buffer) => _buffer = buffer;

        public void* Pointer => (void*)_buffer.handle;

        public void Dispose() => _buffer.DangerousRelease();
    }
}
