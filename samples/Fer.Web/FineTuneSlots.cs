namespace PersonalFer.Web;

/// <summary>
/// The fine-tunes that may run at once on this server. A fine-tune keeps a core busy for seconds; letting
/// every enrolling user start one together would starve the live frames of every other connection.
/// </summary>
internal sealed class FineTuneSlots(FerWebOptions options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.MaxConcurrentFineTunes, options.MaxConcurrentFineTunes);

    /// <summary>True when a slot is free now (the caller then still takes it with <see cref="WaitAsync"/>).</summary>
    public bool AnyFree => _slots.CurrentCount > 0;

    public Task WaitAsync(CancellationToken cancellationToken) => _slots.WaitAsync(cancellationToken);

    public void Release() => _slots.Release();

    public void Dispose() => _slots.Dispose();
}
