using System.Runtime.CompilerServices;
using OpenCvSharp;

namespace PersonalFer.Data;

/// <summary>
/// Loads OpenCvSharp's native library once, at the entry points that first need it (decoding an image file, building
/// a detector, wrapping a frame), so that a missing runtime package fails there with an
/// <see cref="OpenCvRuntimeException"/> that names the package, instead of OpenCvSharp's
/// <see cref="TypeInitializationException"/> around a <see cref="DllNotFoundException"/> deep inside a call.
/// </summary>
internal static class OpenCvRuntime
{
    private const string Library = "OpenCvSharpExtern";

    // The runtime package the repository tests with (Directory.Packages.props), named in the message.
    private const string LinuxRuntimePackage = "OpenCvSharp4.official.runtime.linux-x64";

    // ExecutionAndPublication caches a failure: once OpenCvSharp's type initializer has failed it cannot run again.
    private static readonly Lazy<bool> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <exception cref="OpenCvRuntimeException">The native library is missing or does not load; the message says what to add.</exception>
    public static void EnsureLoaded() => _ = Loaded.Value;

    private static bool Load()
    {
        try
        {
            Touch();
            return true;
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            var library = FindLibrary();
            throw new OpenCvRuntimeException(MissingRuntimeMessage(library, Reason((e.InnerException ?? e).Message, library)), e);
        }
    }

    /// <summary>Any call into the native library; in its own method so that nothing of OpenCvSharp loads before the try.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Touch() => _ = Cv2.GetVersionString();

    /// <summary>What to do, told apart by whether the library file is there: absent → a package; present → its dependencies.</summary>
    internal static string MissingRuntimeMessage(string? libraryFile, string detail) => libraryFile is null
        ? $"OpenCV's native library ({Library}) is missing from this application: add a runtime package to the application project, "
            + $"`dotnet add package {LinuxRuntimePackage}` on Linux x64 (or the OpenCvSharp4.runtime.* package for your platform) ({detail})."
        : $"OpenCV's native library {libraryFile} is there but did not load, usually because a library it links is missing "
            + $"(on Debian or Ubuntu: `apt-get install libgtk-3-0`) ({detail}).";

    /// <summary>
    /// The line of the loader's message that matters: the one about the library file when it is there (a missing
    /// dependency), else the first (the .NET host goes on to list every path it tried, which says nothing more).
    /// </summary>
    internal static string Reason(string message, string? libraryFile)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var aboutLibrary = libraryFile is null ? null : lines.FirstOrDefault(l => l.StartsWith(libraryFile, StringComparison.Ordinal));
        return aboutLibrary ?? (lines.Length == 0 ? message : lines[0].Split(". ")[0]);
    }

    /// <summary>The native library where the .NET host looks for it, or null.</summary>
    private static string? FindLibrary() =>
        NativeSearchPath.Find(NativeSearchPath.HostDirectories(), $"lib{Library}.so", $"{Library}.dll", $"lib{Library}.dylib");
}
