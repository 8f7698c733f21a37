using System.Runtime.InteropServices;
using TorchSharp;

namespace PersonalFer.Model;

/// <summary>
/// Sets libtorch's intra-op thread count for the calling thread only, for the length of one inference call.
/// </summary>
/// <remarks>
/// libtorch's CPU build parallelizes its kernels (and oneDNN's) with OpenMP, whose thread count is a per-thread
/// setting (the <c>nthreads-var</c> ICV, <c>omp_set_num_threads</c>); <c>torch.set_num_threads</c> sets it and also a
/// process-wide default that each thread copies at its first parallel call. Setting the ICV directly on the calling
/// thread, after that copy, changes this thread alone and leaves the host's <c>torch.set_num_threads</c> untouched.
/// One thread means no OpenMP team at all: no barrier where a thread spins while its partner is descheduled.
/// Where no OpenMP runtime is mapped into the process (another platform, another libtorch build) nothing is changed
/// and calls run with libtorch's own setting.
/// </remarks>
internal static class IntraOpThreads
{
    private static readonly OpenMp? Runtime = OpenMp.Find();

    /// <summary>True when per-call thread counts take effect here.</summary>
    public static bool Supported => Runtime is not null;

    /// <summary>Runs the calling thread's next libtorch calls with <paramref name="threads"/> threads until disposed.</summary>
    public static Scope Use(int threads)
    {
        if (Runtime is not { } openMp)
        {
            return default;
        }

        // libtorch copies its process-wide count into a thread's setting at that thread's first parallel call;
        // asking for the count makes that copy happen now, so it cannot overwrite the value set below.
        var before = torch.get_num_threads();
        if (before == threads)
        {
            return default;
        }

        openMp.SetNumThreads(threads);
        return new Scope(openMp, before);
    }

    /// <summary>Puts the thread's previous count back.</summary>
    internal readonly struct Scope : IDisposable
    {
        private readonly OpenMp? _runtime;
        private readonly int _before;

        internal Scope(OpenMp runtime, int before)
        {
            _runtime = runtime;
            _before = before;
        }

        public void Dispose() => _runtime?.SetNumThreads(_before);
    }

    /// <summary>The OpenMP runtime libtorch links (GNU <c>libgomp</c> in the official builds, or LLVM/Intel <c>libiomp5</c>).</summary>
    internal sealed class OpenMp
    {
        private readonly SetNumThreadsFunction _setNumThreads;

        private OpenMp(SetNumThreadsFunction setNumThreads) => _setNumThreads = setNumThreads;

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate void SetNumThreadsFunction(int threads);

        public void SetNumThreads(int threads) => _setNumThreads(threads);

        /// <summary>The OpenMP library mapped into this process once libtorch is loaded, or null.</summary>
        public static OpenMp? Find()
        {
            TorchRuntime.EnsureInitialized();
            return MappedLibraries.Open("libgomp", "libiomp") is { } library
                && NativeLibrary.TryGetExport(library, "omp_set_num_threads", out var setNumThreads)
                ? new OpenMp(Marshal.GetDelegateForFunctionPointer<SetNumThreadsFunction>(setNumThreads))
                : null;
        }
    }
}
