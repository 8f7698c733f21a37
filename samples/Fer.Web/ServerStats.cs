using System.Diagnostics;

namespace PersonalFer.Web;

/// <summary>Process-wide counters for <c>/api/stats</c> and the connection limit; every member is thread-safe.</summary>
internal sealed class ServerStats(FerWebOptions options)
{
    private int _connections;
    private long _framesReceived;
    private long _framesClassified;
    private long _framesDropped;
    private long _framesRejected;
    private int _fineTunesRunning;

    /// <summary>Connections open now.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Takes one of the <see cref="FerWebOptions.MaxConnections"/> places; false when all are taken.</summary>
    public bool TryEnter()
    {
        if (Interlocked.Increment(ref _connections) <= options.MaxConnections)
        {
            return true;
        }

        Interlocked.Decrement(ref _connections);
        return false;
    }

    /// <summary>Gives back a place taken by <see cref="TryEnter"/>.</summary>
    public void Leave() => Interlocked.Decrement(ref _connections);

    public void FrameReceived() => Interlocked.Increment(ref _framesReceived);

    public void FrameClassified() => Interlocked.Increment(ref _framesClassified);

    public void FrameDropped() => Interlocked.Increment(ref _framesDropped);

    public void FrameRejected() => Interlocked.Increment(ref _framesRejected);

    public void FineTuneStarted() => Interlocked.Increment(ref _fineTunesRunning);

    public void FineTuneEnded() => Interlocked.Decrement(ref _fineTunesRunning);

    /// <summary>A snapshot, with the process's resident memory and CPU time (what the load test watches).</summary>
    public object Snapshot() => new
    {
        connections = Connections,
        framesReceived = Interlocked.Read(ref _framesReceived),
        framesClassified = Interlocked.Read(ref _framesClassified),
        framesDropped = Interlocked.Read(ref _framesDropped),
        framesRejected = Interlocked.Read(ref _framesRejected),
        fineTunesRunning = Volatile.Read(ref _fineTunesRunning),
        residentBytes = Environment.WorkingSet,
        cpuSeconds = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds,
        managedBytes = GC.GetTotalMemory(forceFullCollection: false),
    };
}
