using PersonalFer.Model.Native;

namespace PersonalFer.Model.Tests;

/// <summary>The real native libraries the tests inspect: TorchSharp's, ours, and the system libstdc++.</summary>
internal static class NativeTestLibraries
{
    private static readonly string NativeDirectory = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");

    public static string TorchSharpLibrary() => Existing(Path.Combine(NativeDirectory, "libLibTorchSharp.so"));

    public static string CompatLibrary() => Existing(Path.Combine(NativeDirectory, GlibcxxCompatPatch.CompatLibraryFileName));

    public static IReadOnlySet<string> SystemLibStdCxxVersions()
    {
        var path = File.ReadLines("/proc/self/maps")
            .Select(line => line.IndexOf('/', StringComparison.Ordinal) is var i and >= 0 ? line[i..] : "")
            .First(p => Path.GetFileName(p).StartsWith("libstdc++.so", StringComparison.Ordinal));
        return ElfImage.Load(path).DefinedVersions();
    }

    private static string Existing(string path)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "ELF libraries exist only on Linux.");
        Assert.True(File.Exists(path), $"{path} is missing from the test output");
        return path;
    }
}
