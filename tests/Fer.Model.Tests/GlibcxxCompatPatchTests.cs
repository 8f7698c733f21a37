using PersonalFer.Model.Native;

namespace PersonalFer.Model.Tests;

public sealed class GlibcxxCompatPatchTests
{
    [Fact]
    public void Patch_weakens_the_requirement_unversions_the_symbol_and_adds_the_compat_library_in_place()
    {
        var path = NativeTestLibraries.TorchSharpLibrary();
        var original = File.ReadAllBytes(path);
        var image = new ElfImage((byte[])original.Clone(), path);
        var before = image.RequiredVersions().Single(r => r.Name == GlibcxxCompatPatch.MissingVersion);
        Assert.False(before.IsWeak);

        GlibcxxCompatPatch.Apply(image);

        Assert.Equal(original.Length, image.Bytes.Length);
        var reread = new ElfImage(image.Bytes, path);
        Assert.True(reread.RequiredVersions().Single(r => r.Name == GlibcxxCompatPatch.MissingVersion).IsWeak);
        var symbol = reread.DynamicSymbols().Single(s => s.Name == GlibcxxCompatPatch.ProvidedSymbol);
        Assert.Equal(ElfImage.VersionIndexGlobal, symbol.VersionIndex);
        Assert.Contains(GlibcxxCompatPatch.CompatLibraryFileName, reread.NeededLibraries());
        Assert.Equal("$ORIGIN/", reread.RunPath());
        // Every library the original needed is still needed, in the same order, before the compat library.
        var originalNeeded = new ElfImage(original, path).NeededLibraries();
        Assert.Equal([.. originalNeeded, GlibcxxCompatPatch.CompatLibraryFileName], reread.NeededLibraries());
        // Nothing else moved: every other dynamic symbol keeps its version.
        var changed = new ElfImage(original, path).DynamicSymbols().Zip(reread.DynamicSymbols())
            .Where(pair => pair.First.VersionIndex != pair.Second.VersionIndex).Select(pair => pair.First.Name);
        Assert.Equal([GlibcxxCompatPatch.ProvidedSymbol], changed);
    }

    [Fact]
    public void Patching_a_library_that_does_not_need_it_is_refused()
    {
        var compat = ElfImage.Load(NativeTestLibraries.CompatLibrary());
        var error = Assert.Throws<ElfFormatException>(() => GlibcxxCompatPatch.Apply(compat));
        Assert.Contains("does not require GLIBCXX_3.4.32", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_compat_library_defines_the_symbol_and_needs_only_old_libstdcxx_versions()
    {
        var compat = ElfImage.Load(NativeTestLibraries.CompatLibrary());
        Assert.Contains(compat.DynamicSymbols(), s => s.Name == GlibcxxCompatPatch.ProvidedSymbol && !s.IsUndefined);
        // Only the oldest baselines (GCC 3.4 era), so it loads on any glibc Linux.
        Assert.All(compat.RequiredVersions().Where(r => r.File == "libstdc++.so.6"), r => Assert.Contains(r.Name, new[] { "GLIBCXX_3.4", "CXXABI_1.3" }));
    }

    [Theory]
    [InlineData(0, "not an ELF file")]
    [InlineData(100, "section header table is missing or truncated")]
    public void Truncated_or_foreign_files_are_rejected_with_the_file_name(int keepBytes, string problem)
    {
        var path = NativeTestLibraries.TorchSharpLibrary();
        var bytes = File.ReadAllBytes(path).AsSpan(0, Math.Max(keepBytes, 64)).ToArray();
        if (keepBytes == 0)
        {
            bytes[0] = (byte)'#';
        }

        var error = Assert.Throws<ElfFormatException>(() => new ElfImage(bytes, "broken.so"));
        Assert.StartsWith("broken.so: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Libstdcxx_version_definitions_are_read()
    {
        var versions = NativeTestLibraries.SystemLibStdCxxVersions();
        Assert.Contains("GLIBCXX_3.4", versions);
        Assert.Contains("CXXABI_1.3", versions);
    }
}
