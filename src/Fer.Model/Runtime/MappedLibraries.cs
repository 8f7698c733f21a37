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
    /// The address of <paramref name="symbol"/> in the mapped library whose file name starts with
    /// <paramref name="prefix"/>; the library is opened by the path it is mapped from, so the copy in use is the one
    /// asked, never a second copy from elsewhere.
    /// </summary>
    public static bool TryGetExport(string prefix, string symbol, out nint address)
    {
        address = 0;
        return Find(prefix) is { } path && NativeLibrary.TryLoad(path, out var library)
            && NativeLibrary.TryGetExport(library, symbol, out address);
    }
}
