namespace PersonalFer.Model.Native;

/// <summary>
/// Makes a library built against GCC 13's libstdc++ load on GCC 12's (Debian 12, Ubuntu 22.04) when the only
/// thing it takes from GLIBCXX_3.4.32 is <c>std::ios_base_library_init()</c>. Edits happen in place, so the
/// patched copy has the original's size and layout:
/// <list type="number">
/// <item>the GLIBCXX_3.4.32 requirement is marked weak (VER_FLG_WEAK), so the loader no longer refuses the file;</item>
/// <item>the symbol's version is cleared, so it binds to any definition;</item>
/// <item>a DT_NEEDED on <see cref="CompatLibraryFileName"/> (which defines the symbol) is added in a spare
/// dynamic slot; its name is written over the tail of the RUNPATH string, which keeps <c>$ORIGIN/</c>
/// (where the compat library is placed) and drops the build machine's paths.</item>
/// </list>
/// </summary>
internal static class GlibcxxCompatPatch
{
    public const string MissingVersion = "GLIBCXX_3.4.32";
    public const string ProvidedSymbol = "_ZSt21ios_base_library_initv";
    public const string CompatLibraryFileName = "libpersonalfer_glibcxx_compat.so";
    private const string LibStdCxx = "libstdc++.so.6";
    private const string OriginRunPath = "$ORIGIN/";

    /// <summary>True when <paramref name="library"/> needs a libstdc++ version that <paramref name="systemVersions"/> lacks.</summary>
    public static IReadOnlyList<string> MissingLibStdCxxVersions(ElfImage library, IReadOnlySet<string> systemVersions) =>
        library.RequiredVersions()
            .Where(r => r.File == LibStdCxx && !r.IsWeak && !systemVersions.Contains(r.Name))
            .Select(r => r.Name)
            .ToList();

    /// <summary>Patches <paramref name="library"/> in place.</summary>
    /// <exception cref="ElfFormatException">The library needs more from GLIBCXX_3.4.32 than the compat library
    /// provides, or has no room for the edits.</exception>
    public static void Apply(ElfImage library)
    {
        var requirement = library.RequiredVersions().FirstOrDefault(r => r.File == LibStdCxx && r.Name == MissingVersion)
            ?? throw new ElfFormatException(library.Source, $"does not require {MissingVersion}: nothing to patch");

        var versionIndex = requirement.Index & 0x7fff;
        var bound = library.DynamicSymbols().Where(s => (s.VersionIndex & 0x7fff) == versionIndex).ToList();
        var unsupported = bound.Where(s => s.Name != ProvidedSymbol || !s.IsUndefined).Select(s => s.Name).ToList();
        if (unsupported.Count > 0)
        {
            throw new ElfFormatException(library.Source,
                $"needs {string.Join(", ", unsupported)} from {MissingVersion}; only {ProvidedSymbol} can be supplied");
        }

        library.WriteU16(requirement.EntryOffset + 4, (ushort)(requirement.Flags | ElfImage.VerFlagWeak));
        foreach (var symbol in bound)
        {
            library.WriteU16(symbol.VersionEntryOffset, ElfImage.VersionIndexGlobal);
        }

        AddNeededCompatLibrary(library);
    }

    private static void AddNeededCompatLibrary(ElfImage library)
    {
        if (library.NeededLibraries().Contains(CompatLibraryFileName))
        {
            return;
        }

        var entries = library.DynamicEntries();
        var runPath = entries.FirstOrDefault(e => e.Tag is ElfImage.DtRunPath or ElfImage.DtRPath)
            ?? throw new ElfFormatException(library.Source, "has no RUNPATH whose string could hold the compat library's name");
        var runPathValue = library.ReadDynString(runPath.Value);
        if (!runPathValue.StartsWith(OriginRunPath, StringComparison.Ordinal)
            || runPathValue.Length < OriginRunPath.Length + 1 + CompatLibraryFileName.Length)
        {
            throw new ElfFormatException(library.Source, $"RUNPATH '{runPathValue}' does not start with $ORIGIN/ or is too short to reuse");
        }

        var nameOffset = runPath.Value + (ulong)OriginRunPath.Length + 1;
        var reusedEnd = runPath.Value + (ulong)runPathValue.Length;
        if (library.ReferencedStringOffsets().Any(o => o >= runPath.Value + (ulong)OriginRunPath.Length && o <= reusedEnd))
        {
            throw new ElfFormatException(library.Source, "another name shares the tail of the RUNPATH string; it cannot be reused");
        }

        library.WriteDynString(runPath.Value, OriginRunPath);
        library.WriteDynString(nameOffset, CompatLibraryFileName);

        var lastNeeded = entries.Select((e, i) => (e, i)).Last(x => x.e.Tag == ElfImage.DtNeeded).i;
        library.InsertDynamicEntry(lastNeeded + 1, ElfImage.DtNeeded, nameOffset);
    }
}
