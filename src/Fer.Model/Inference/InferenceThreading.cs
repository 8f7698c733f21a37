namespace PersonalFer.Model;

/// <summary>
/// How many threads libtorch uses inside one inference call of an <see cref="ExpressionModel"/> (classification,
/// evaluation, feature extraction): one per <see cref="FacesPerThread"/> faces of the call, at most
/// <see cref="MaxThreads"/>. The count applies to the calling thread for that call only: the host's
/// <c>torch.set_num_threads</c>, its environment and its other threads are left as they are.
/// </summary>
/// <remarks>
/// With the defaults, classifying a frame (up to 16 faces) runs on the calling thread alone. That is the fastest
/// way to run a network this small, and it does not stall when the machine is busy: libtorch's threads meet at a
/// barrier after every layer, so when another process takes one of their cores the others wait — spinning — until
/// it is scheduled again (tens to hundreds of milliseconds on a loaded 2-core machine). A single thread has no
/// barrier. Concurrent calls (several streams, a web server) then run side by side, one core each. Large batches
/// (evaluation, the features of a fine-tune) still use every core: in float32 where NNPACK is available
/// (docs/NATIVE.md), each thread takes the next few faces, one at a time, so a thread another process delays holds
/// the call up by its last faces only, and every face gets the same probabilities whatever the thread count.
/// </remarks>
public sealed record InferenceThreading
{
    /// <summary>
    /// Faces per libtorch thread: a call of n faces uses ⌈n / FacesPerThread⌉ threads; default 16. 0: every call
    /// uses <see cref="MaxThreads"/> threads, libtorch's own way, which gives a single frame a lower median on an
    /// idle machine and long stalls on a busy one (docs/BENCHMARKS.md).
    /// </summary>
    public int FacesPerThread { get; init; } = 16;

    /// <summary>
    /// The most threads one call uses; 0 (default): <see cref="Environment.ProcessorCount"/>. 1 keeps every call
    /// on its calling thread.
    /// </summary>
    public int MaxThreads { get; init; }

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the parameter name is the setting's.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(FacesPerThread, nameof(FacesPerThread));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxThreads, nameof(MaxThreads));
    }

    /// <summary>Threads for a call over <paramref name="faces"/> faces.</summary>
    internal int ThreadsFor(int faces)
    {
        var most = MaxThreads > 0 ? MaxThreads : Environment.ProcessorCount;
        return FacesPerThread == 0 ? most : Math.Clamp((faces + FacesPerThread - 1) / FacesPerThread, 1, most);
    }
}
