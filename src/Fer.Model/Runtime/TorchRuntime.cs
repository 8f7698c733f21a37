using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PersonalFer.Data;
using PersonalFer.Model.Native;
using TorchSharp;

namespace PersonalFer.Model;

/// <summary>
/// Loads TorchSharp's native backend at first use and makes it load on every glibc Linux, including those whose
/// libstdc++ predates GCC 13 (Debian 12, Ubuntu 22.04). There, TorchSharp's <c>libLibTorchSharp.so</c> asks for
/// GLIBCXX_3.4.32 and the first use of <c>torch</c> throws <see cref="TypeInitializationException"/>. Only on such
/// systems a patched copy (see docs/NATIVE.md) is written to a cache folder and loaded before TorchSharp looks for
/// the library; TorchSharp then finds it already loaded under its soname. Everywhere else nothing is written.
/// </summary>
/// <remarks>
/// Nothing happens when the assembly loads: Fer.Model calls <see cref="EnsureInitialized()"/> itself before it first
/// builds a network (loading or creating an <see cref="ExpressionModel"/>), so applications that go through
/// PersonalFer need no step of their own. Code that calls TorchSharp directly before touching Fer.Model should call
/// it first. To see what it did in a host's log, call <see cref="EnsureInitialized(ILogger?)"/> with a logger before
/// the first model is loaded (<c>AddPersonalFer()</c> does). The cache folder is <c>$PERSONALFER_NATIVE_CACHE</c>,
/// else <c>native/</c> under <see cref="CacheDirectory.Root"/> (<c>~/.cache/personalfer</c> by default).
/// </remarks>
public static class TorchRuntime
{
    private const string TorchSharpLibrary = "libLibTorchSharp.so";

    /// <summary>The file-name prefix of libtorch's CPU library, whose exported C and C++ functions PersonalFer calls where TorchSharp binds none.</summary>
    internal const string LibTorchCpu = "libtorch_cpu";

    // The libtorch TorchSharp 0.107.0 (Directory.Packages.props) was built against: the only version it loads.
    private const string LibTorchVersion = "2.10.0";
    private const string NativeCacheVariable = "PERSONALFER_NATIVE_CACHE";

    private static readonly Lock Gate = new();
    private static string? _outcome;
    private static ExceptionDispatchInfo? _failure;

    /// <summary>What initialization did: "not needed: …" or "patched: " and the path of the patched library it loaded.</summary>
    /// <exception cref="TorchRuntimeException">The backend cannot be loaded here; the message says why and what to add.</exception>
    public static string Description
    {
        get
        {
            EnsureInitialized();
            return _outcome!;
        }
    }

    /// <summary>True when this process runs TorchSharp through the patched library.</summary>
    /// <exception cref="TorchRuntimeException">The backend cannot be loaded here; the message says why and what to add.</exception>
    public static bool UsesPatchedLibrary => Description.StartsWith("patched:", StringComparison.Ordinal);

    /// <summary>Prepares the native backend once per process; safe to call any number of times from any thread.</summary>
    /// <exception cref="TorchRuntimeException">The backend cannot be loaded here; the message says why and what to add.</exception>
    public static void EnsureInitialized() => EnsureInitialized(null);

    /// <summary>
    /// Prepares the native backend once per process, logging what it does (event ids 3900–3999) to
    /// <paramref name="logger"/> if this call is the one that prepares it; later calls return at once.
    /// </summary>
    /// <param name="logger">Receives the events of the preparation; null logs nothing.</param>
    /// <exception cref="TorchRuntimeException">The backend cannot be loaded here; the message says why and what to add.</exception>
    /// <exception cref="CacheDirectoryException">The patched library could not be written; the message names the folder.</exception>
    public static void EnsureInitialized(ILogger? logger)
    {
        if (Volatile.Read(ref _outcome) is not null)
        {
            return;
        }

        lock (Gate)
        {
            if (_outcome is not null)
            {
                return;
            }

            // A failed preparation is not retried: libraries may already be loaded, and the reason stays the same.
            _failure?.Throw();
            logger ??= NullLogger.Instance;
            try
            {
                Volatile.Write(ref _outcome, Initialize(logger));
            }
            catch (Exception e) when (e is TorchRuntimeException or CacheDirectoryException)
            {
                TorchRuntimeLog.Failed(logger, e.Message, e);
                _failure = ExceptionDispatchInfo.Capture(e);
                throw;
            }
        }
    }

    /// <summary>
    /// Starts <see cref="EnsureInitialized()"/> on the thread pool and returns at once, so that other start-up work
    /// overlaps it. A failure is kept: the next <see cref="EnsureInitialized()"/> throws it.
    /// </summary>
    internal static void StartInitializing()
    {
        if (Volatile.Read(ref _outcome) is not null)
        {
            return;
        }

        _ = Task.Run(() =>
        {
            try
            {
                EnsureInitialized();
            }
            catch (Exception e) when (e is TorchRuntimeException or CacheDirectoryException)
            {
                // Kept in _failure for the caller's own EnsureInitialized.
            }
        });
    }

    private static string Initialize(ILogger logger)
    {
        string outcome;
        try
        {
            outcome = InitializeBackend(logger);
        }
        catch (Exception e) when (e is ElfFormatException or IOException or UnauthorizedAccessException)
        {
            throw new TorchRuntimeException($"TorchSharp's native libraries could not be prepared: {e.Message}", e);
        }

        LoadTorchSharp();
        DisableNnpack();
        return outcome;
    }

    private static string InitializeBackend(ILogger logger)
    {
        if (!OperatingSystem.IsLinux())
        {
            return NotPatched(logger, "not Linux");
        }

        var searchDirectories = NativeSearchDirectories();
        var original = NativeSearchPath.Find(searchDirectories, TorchSharpLibrary);
        if (original is null)
        {
            // TorchSharp reports it when it loads (LoadTorchSharp), and the package to add is named there.
            return NotPatched(logger, $"{TorchSharpLibrary} not found");
        }

        var library = ElfImage.Load(original);
        RequireLibTorch(library, searchDirectories);
        var systemLibStdCxx = LoadedLibStdCxx()
            ?? throw new TorchRuntimeException("libstdc++.so.6 could not be found in this process; install libstdc++6.");
        var missing = GlibcxxCompatPatch.MissingLibStdCxxVersions(library, ElfImage.Load(systemLibStdCxx).DefinedVersions());
        if (missing.Count == 0)
        {
            return NotPatched(logger, $"{systemLibStdCxx} provides every version {TorchSharpLibrary} requires");
        }

        if (missing.Any(v => v != GlibcxxCompatPatch.MissingVersion))
        {
            throw new TorchRuntimeException(
                $"{original} needs {string.Join(", ", missing)} from libstdc++, which {systemLibStdCxx} lacks; install a newer libstdc++6.");
        }

        var compat = NativeSearchPath.Find([.. searchDirectories, .. AssemblyNativeDirectories(typeof(TorchRuntime).Assembly)], GlibcxxCompatPatch.CompatLibraryFileName)
            ?? throw new TorchRuntimeException(
                $"{GlibcxxCompatPatch.CompatLibraryFileName} (shipped in Fer.Model's runtimes/linux-x64/native) is missing next to the application.");

        GlibcxxCompatPatch.Apply(library);
        var (patchedDirectory, written) = WritePatchedCopy(library.Bytes, compat);
        PreloadDependencies(library, searchDirectories);
        var patched = Path.Combine(patchedDirectory, TorchSharpLibrary);
        try
        {
            NativeLibrary.Load(patched);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            throw new TorchRuntimeException($"the patched {patched} did not load: {e.Message}", e);
        }

        TorchRuntimeLog.Patched(logger, systemLibStdCxx, GlibcxxCompatPatch.MissingVersion, patched, written ? "written" : "reused");
        return $"patched: {patched}";
    }

    private static string NotPatched(ILogger logger, string reason)
    {
        TorchRuntimeLog.NotPatched(logger, reason);
        return $"not needed: {reason}";
    }

    /// <summary>
    /// The managed TorchSharp package carries <c>libLibTorchSharp.so</c> but not libtorch itself, which comes from a
    /// runtime package the application chooses. Without one, the library would fail to load with an undefined C++
    /// symbol that says nothing about the cause; this names the package to add instead.
    /// </summary>
    private static void RequireLibTorch(ElfImage library, List<string> searchDirectories)
    {
        var absent = library.NeededLibraries()
            .Where(name => name.StartsWith("libtorch", StringComparison.Ordinal) || name.StartsWith("libc10", StringComparison.Ordinal))
            // Only the application's own native folders count: a system libtorch (e.g. Debian's, installed with
            // python3-torch) is another version, which TorchSharp's library cannot link against.
            .Where(name => NativeSearchPath.Find(searchDirectories, name) is null)
            .ToList();
        if (absent.Count > 0)
        {
            throw new TorchRuntimeException(MissingRuntimeMessage($"{string.Join(", ", absent)} not found next to the application"));
        }
    }

    /// <summary>What an application without a libtorch runtime package is told: the packages that provide one.</summary>
    internal static string MissingRuntimeMessage(string detail) =>
        "TorchSharp's native runtime (libtorch) is missing from this application: add a runtime package to the application project, "
        + $"`dotnet add package TorchSharp-cpu` (every platform), `dotnet add package libtorch-cpu-linux-x64 --version {LibTorchVersion}` "
        + $"(Linux x64 only, a smaller output) or a TorchSharp-cuda-* package for NVIDIA GPUs ({detail}).";

    /// <summary>
    /// Touches TorchSharp once, so that a backend TorchSharp itself cannot load (no runtime package, another
    /// platform's) fails here with the package to add rather than later as a <see cref="TypeInitializationException"/>.
    /// Kept in its own method so the types it names are resolved only when it runs.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LoadTorchSharp()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException or EntryPointNotFoundException)
        {
            throw new TorchRuntimeException(MissingRuntimeMessage((e.InnerException ?? e).Message), e);
        }
    }

    /// <summary>
    /// Turns off libtorch's own use of NNPACK: it tries NNPACK for every no-grad float32 convolution over 16 or more
    /// images, and on CPUs NNPACK refuses (it needs AVX2, FMA3 and readable sizes of three cache levels, which some
    /// virtual machines hide) each attempt fails, prints "Could not initialize NNPACK!" to stderr — thousands of
    /// lines per evaluation — and falls back to the kernels this selects directly. PersonalFer calls NNPACK's
    /// single-image convolution itself where it is faster (<see cref="Native.Nnpack"/>). This is PyTorch's
    /// <c>torch.backends.nnpack.set_flags(False)</c>, which TorchSharp does not bind, so libtorch's exported C++
    /// functions are called; where they are missing nothing changes.
    /// </summary>
    private static void DisableNnpack()
    {
        if (MappedLibraries.Open(LibTorchCpu) is not { } library
            || !NativeLibrary.TryGetExport(library, "_ZN2at13globalContextEv", out var globalContext)
            || !NativeLibrary.TryGetExport(library, "_ZN2at7Context20setUserEnabledNNPACKEb", out var setEnabled))
        {
            return;
        }

        var context = Marshal.GetDelegateForFunctionPointer<GlobalContext>(globalContext)();
        Marshal.GetDelegateForFunctionPointer<SetContextFlag>(setEnabled)(context, false);
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate nint GlobalContext();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetContextFlag(nint context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    /// <summary>Where the host looks for native libraries, then the app folder and TorchSharp's own folder.</summary>
    private static List<string> NativeSearchDirectories() =>
        [.. NativeSearchPath.HostDirectories(), .. AssemblyNativeDirectories(typeof(torch).Assembly)];

    private static IEnumerable<string> AssemblyNativeDirectories(System.Reflection.Assembly assembly)
    {
        var directory = Path.GetDirectoryName(assembly.Location);
        if (string.IsNullOrEmpty(directory))
        {
            yield break;
        }

        yield return directory;
        yield return Path.Combine(directory, "runtimes", "linux-x64", "native");
        // An assembly loaded straight from the NuGet cache (lib/net10.0) keeps its natives in the package root.
        yield return Path.GetFullPath(Path.Combine(directory, "..", "..", "runtimes", "linux-x64", "native"));
    }

    /// <summary>The libstdc++ the dynamic loader uses in this process (the .NET runtime itself links it).</summary>
    private static string? LoadedLibStdCxx() =>
        MappedLibraries.Find("libstdc++.so") ?? (NativeLibrary.TryLoad("libstdc++.so.6", out _) ? MappedLibraries.Find("libstdc++.so") : null);

    /// <summary>
    /// Loads the libtorch libraries the patched copy needs from their real folder, so that the copy (which lives
    /// elsewhere and finds only the compat library through <c>$ORIGIN</c>) binds to them by soname.
    /// </summary>
    private static void PreloadDependencies(ElfImage library, List<string> searchDirectories)
    {
        foreach (var needed in library.NeededLibraries())
        {
            if (NativeSearchPath.Find(searchDirectories, needed) is { } path)
            {
                try
                {
                    NativeLibrary.Load(path);
                }
                catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
                {
                    throw new TorchRuntimeException($"{path}, which TorchSharp's library needs, did not load: {e.Message}", e);
                }
            }
        }
    }

    private static string NativeCacheRoot =>
        Environment.GetEnvironmentVariable(NativeCacheVariable) is { Length: > 0 } explicitRoot
            ? explicitRoot
            : Path.Combine(CacheDirectory.Root, "native");

    /// <summary>
    /// Writes the patched library and the compat library into a cache folder keyed by their content; says whether
    /// anything was written (false: an earlier run left both there).
    /// </summary>
    /// <exception cref="CacheDirectoryException">The folder cannot be written.</exception>
    private static (string Directory, bool Written) WritePatchedCopy(byte[] patched, string compatPath)
    {
        var compat = File.ReadAllBytes(compatPath);
        var key = Convert.ToHexString(SHA256.HashData([.. patched, .. compat]))[..16].ToLowerInvariant();
        var directory = Path.Combine(NativeCacheRoot, key);
        var compatCopy = Path.Combine(directory, GlibcxxCompatPatch.CompatLibraryFileName);
        var patchedCopy = Path.Combine(directory, TorchSharpLibrary);
        var written = !File.Exists(compatCopy) || !File.Exists(patchedCopy);
        CacheDirectory.Write(compatCopy, compat, NativeCacheVariable);
        CacheDirectory.Write(patchedCopy, patched, NativeCacheVariable);
        return (directory, written);
    }
}
