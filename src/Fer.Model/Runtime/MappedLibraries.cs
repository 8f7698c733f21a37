using System.Runtime.InteropServices;

namespace PersonalFer.Model;

/// <summary>Native libraries already mapped into this process, found by file name in <c>/proc/self/maps</c>.</summary>
internal static class MappedLibraries
{
    private const string MapsPath = "/proc/self/maps";

    /// <summary>The path of the first mapped library whose file name starts with one of <paramref name="prefixes"/>, or null.</summary>
    public static string? Find(params string[] prefixes)
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(MapsPath))
        {
            return null;
        }

        return File.ReadLines(MapsPath)
            .Select(line => line.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0 ? line[slash..] : null)
            .FirstOrDefault(path => path is not null && Path.GetFileName(path) is var name
                && prefixes.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal)));
    }

    /// <summary>
    /// A handle to the first mapped library whose file name starts with one of <paramref name="prefixes"/>, opened by
    /// the path it is mapped from, so the copy in use is the one asked, never a second copy from elsewhere; null if
    /// none is mapped.
    /// </summary>
    public static nint? Open(params string[] prefixes) =>
        Find(prefixes) is { } path && NativeLibrary.TryLoad(path, out var library) ? library : null;
}
