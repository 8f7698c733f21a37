using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using PersonalFer.Data;
using PersonalFer.Model.Native;
using TorchSharp;

namespace PersonalFer.Model;

/// <summary>
/// Makes TorchSharp's native backend load on every glibc Linux, including those whose libstdc++ predates
/// GCC 13 (Debian 12, Ubuntu 22.04). There, TorchSharp's <c>libLibTorchSharp.so</c> asks for GLIBCXX_3.4.32 and
/// the first use of <c>torch</c> throws <see cref="TypeInitializationException"/>. Only on such systems a patched
/// copy (see docs/NATIVE.md) is written to a cache folder and loaded before TorchSharp looks for the library;
/// TorchSharp then finds it already loaded under its soname. Everywhere else this does nothing.
/// </summary>
/// <remarks>
/// Fer.Model calls <see cref="EnsureInitialized"/> itself when it is first used, so applications that go through
/// PersonalFer need no step of their own. Code that calls TorchSharp directly before touching Fer.Model should
/// call it first. The cache folder is <c>$PERSONALFER_NATIVE_CACHE</c>, else <c>native/</c> under
/// <see cref="CacheDirectory.Root"/> (<c>~/.cache/personalfer</c> by default).
/// </remarks>
public static class TorchRuntime
{
    private const string TorchSharpLibrary = "libLibTorchSharp.so";
    private static readonly Lazy<string> Outcome = new(Initialize, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>What initialization did: "not needed" or the path of the patched library it loaded.</summary>
    public static string Description => Outcome.Value;

    /// <summary>True when this process runs TorchSharp through the patched library.</summary>
    public static bool UsesPatchedLibrary => Outcome.Value.StartsWith("patched:", StringComparison.Ordinal);

    /// <summary>Prepares the native backend once per process; safe to call any number of times from any thread.</summary>
    /// <exception cref="TorchRuntimeException">The backend cannot be made to load here; the message says why.</exception>
    public static void EnsureInitialized() => _ = Outcome.Value;

#pragma warning disable CA2255 // A library module initializer is intended: TorchSharp must not load before the fix.
    [ModuleInitializer]
    internal static void InitializeOnFirstUse()
    {
        try
        {
            EnsureInitialized();
        }
        catch (TorchRuntimeException)
        {
            // Reported again, with its reason, by the explicit EnsureInitialized() calls in Fer.Model.
        }
    }
#pragma warning restore CA2255

    private static string Initialize()
    {
        try
        {
            var outcome = InitializeBackend();
            DisableNnpack();
            return outcome;
        }
        catch (Exception e) when (e is ElfFormatException or IOException or UnauthorizedAccessException)
        {
            throw new TorchRuntimeException($"TorchSharp's native libraries could not be prepared: {e.Message}", e);
        }
    }

    private static string InitializeBackend()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "not needed: not Linux";
        }

        var searchDirectories = NativeSearchDirectories();
        var original = FindIn(searchDirectories, TorchSharpLibrary);
        if (original is null)
        {
            return $"not needed: {TorchSharpLibrary} not found (TorchSharp will report a missing runtime package)";
        }

        var systemLibStdCxx = LoadedLibStdCxx()
            ?? throw new TorchRuntimeException("libstdc++.so.6 could not be found in this process; install libstdc++6.");
        var library = ElfImage.Load(original);
        var missing = GlibcxxCompatPatch.MissingLibStdCxxVersions(library, ElfImage.Load(systemLibStdCxx).DefinedVersions());
        if (missing.Count == 0)
        {
            return $"not needed: {systemLibStdCxx} provides every version {TorchSharpLibrary} requires";
        }

        if (missing.Any(v => v != GlibcxxCompatPatch.MissingVersion))
        {
            throw new TorchRuntimeException(
                $"{original} needs {string.Join(", ", missing)} from libstdc++, which {systemLibStdCxx} lacks; install a newer libstdc++6.");
        }

        var compat = FindIn([.. searchDirectories, .. AssemblyNativeDirectories(typeof(TorchRuntime).Assembly)], GlibcxxCompatPatch.CompatLibraryFileName)
            ?? throw new TorchRuntimeException(
                $"{GlibcxxCompatPatch.CompatLibraryFileName} (shipped in Fer.Model's runtimes/linux-x64/native) is missing next to the application.");

        GlibcxxCompatPatch.Apply(library);

        string patchedDirectory;
        try
        {
            patchedDirectory = WritePatchedCopy(library.Bytes, compat);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TorchRuntimeException($"the patched library could not be written under {NativeCacheRoot} ({e.Message}); set PERSONALFER_NATIVE_CACHE to a writable folder.", e);
        }

        PreloadDependencies(library, searchDirectories);
        var patched = Path.Combine(patchedDirectory, TorchSharpLibrary);
        try
        {
            NativeLibrary.Load(patched);
        }
        catch (DllNotFoundException e)
        {
            throw new TorchRuntimeException($"the patched {patched} did not load: {e.Message}", e);
        }

        return $"patched: {patched}";
    }

    /// <summary>
    /// libtorch tries NNPACK for every no-grad float32 convolution over 16 or more images; on CPUs NNPACK does not
    /// support (such as this project's AMD EPYC machine) each attempt fails, prints "Could not initialize NNPACK!"
    /// to stderr — thousands of lines per evaluation — and falls back to the same kernels this selects directly.
    /// This is PyTorch's <c>torch.backends.nnpack.set_flags(False)</c>, which TorchSharp does not bind, so libtorch's
    /// exported C++ functions are called; where they are missing nothing changes.
    /// </summary>
    private static void DisableNnpack()
    {
        if (!OperatingSystem.IsLinux() || FindIn(NativeSearchDirectories(), "libtorch_cpu.so") is not { } path
            || !NativeLibrary.TryLoad(path, out var library)
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
    private static List<string> NativeSearchDirectories()
    {
        var directories = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string hostDirectories)
        {
            directories.AddRange(hostDirectories.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        }

        directories.Add(AppContext.BaseDirectory);
        directories.AddRange(AssemblyNativeDirectories(typeof(torch).Assembly));
        return directories;
    }

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

    private static string? FindIn(IEnumerable<string> directories, string fileName) =>
        directories.Select(d => Path.Combine(d, fileName)).FirstOrDefault(File.Exists);

    /// <summary>The libstdc++ the dynamic loader uses in this process (the .NET runtime itself links it).</summary>
    private static string? LoadedLibStdCxx()
    {
        static string? FromMaps() => File.ReadLines("/proc/self/maps")
            .Select(line => line.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0 ? line[slash..] : null)
            .FirstOrDefault(path => path is not null && Path.GetFileName(path).StartsWith("libstdc++.so", StringComparison.Ordinal));

        if (FromMaps() is { } path)
        {
            return path;
        }

        return NativeLibrary.TryLoad("libstdc++.so.6", out _) ? FromMaps() : null;
    }

    /// <summary>
    /// Loads the libtorch libraries the patched copy needs from their real folder, so that the copy (which lives
    /// elsewhere and finds only the compat library through <c>$ORIGIN</c>) binds to them by soname.
    /// </summary>
    private static void PreloadDependencies(ElfImage library, List<string> searchDirectories)
    {
        foreach (var needed in library.NeededLibraries())
        {
            if (FindIn(searchDirectories, needed) is { } path)
            {
                NativeLibrary.Load(path);
            }
        }
    }

    private static string NativeCacheRoot =>
        Environment.GetEnvironmentVariable("PERSONALFER_NATIVE_CACHE") is { Length: > 0 } explicitRoot
            ? explicitRoot
            : Path.Combine(CacheDirectory.Root, "native");

    /// <summary>Writes the patched library and the compat library into a cache folder keyed by their content.</summary>
    private static string WritePatchedCopy(byte[] patched, string compatPath)
    {
        var compat = File.ReadAllBytes(compatPath);
        var key = Convert.ToHexString(SHA256.HashData([.. patched, .. compat]))[..16].ToLowerInvariant();
        var directory = Path.Combine(NativeCacheRoot, key);
        CacheDirectory.WriteAtomically(Path.Combine(directory, GlibcxxCompatPatch.CompatLibraryFileName), compat);
        CacheDirectory.WriteAtomically(Path.Combine(directory, TorchSharpLibrary), patched);
        return directory;
    }
}
