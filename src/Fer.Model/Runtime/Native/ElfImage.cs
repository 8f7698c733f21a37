using System.Buffers.Binary;
using System.Text;

namespace PersonalFer.Model.Native;

/// <summary>
/// A little-endian ELF64 shared library held in memory, with just enough structure to read and edit
/// its dynamic section, dynamic symbols and symbol versions in place (the file never changes size).
/// </summary>
internal sealed class ElfImage
{
    private const int SectionHeaderSize = 64;
    private const int DynamicEntrySize = 16;
    private const int DynamicSymbolSize = 24;
    private const uint ShtDynamic = 6;
    private const uint ShtDynSym = 11;
    private const uint ShtNoBits = 8;
    private const uint ShtGnuVerDef = 0x6ffffffd;
    private const uint ShtGnuVerNeed = 0x6ffffffe;
    private const uint ShtGnuVerSym = 0x6fffffff;

    internal const long DtNull = 0;
    internal const long DtNeeded = 1;
    internal const long DtRPath = 15;
    internal const long DtRunPath = 29;

    /// <summary>Version requirement flag that lets the loader continue when the version is missing.</summary>
    internal const ushort VerFlagWeak = 0x2;

    /// <summary>The <c>.gnu.version</c> index meaning "any version" (unversioned).</summary>
    internal const ushort VersionIndexGlobal = 1;

    private readonly Section _dynamic;
    private readonly Section _dynSym;
    private readonly Section _dynStr;
    private readonly Section? _verSym;
    private readonly Section? _verNeed;
    private readonly Section? _verDef;

    public ElfImage(byte[] bytes, string source)
    {
        Bytes = bytes;
        Source = source;
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
        {
            throw Error("not an ELF file (bad magic)");
        }

        if (bytes[4] != 2 || bytes[5] != 1)
        {
            throw Error("only little-endian 64-bit ELF is supported");
        }

        var sectionTable = ReadU64(0x28);
        int entrySize = ReadU16(0x3A);
        int count = ReadU16(0x3C);
        if (entrySize != SectionHeaderSize || sectionTable + ((ulong)count * SectionHeaderSize) > (ulong)bytes.Length)
        {
            throw Error("section header table is missing or truncated");
        }

        var sections = new Section[count];
        for (var i = 0; i < count; i++)
        {
            var at = (int)sectionTable + (i * SectionHeaderSize);
            var type = ReadU32(at + 4);
            sections[i] = new Section(
                Type: type,
                Offset: type == ShtNoBits ? 0 : CheckedOffset(ReadU64(at + 24), ReadU64(at + 32)),
                Size: (int)ReadU64(at + 32),
                Link: (int)ReadU32(at + 40));
        }

        _dynamic = sections.FirstOrDefault(s => s.Type == ShtDynamic) ?? throw Error("no .dynamic section: not a shared library");
        _dynSym = sections.FirstOrDefault(s => s.Type == ShtDynSym) ?? throw Error("no .dynsym section");
        _dynStr = _dynSym.Link < sections.Length ? sections[_dynSym.Link] : throw Error(".dynsym links to a missing string table");
        _verSym = sections.FirstOrDefault(s => s.Type == ShtGnuVerSym);
        _verNeed = sections.FirstOrDefault(s => s.Type == ShtGnuVerNeed);
        _verDef = sections.FirstOrDefault(s => s.Type == ShtGnuVerDef);
    }

    /// <summary>The image's bytes; edits write through to this array.</summary>
    public byte[] Bytes { get; }

    /// <summary>Where the bytes came from, for error messages.</summary>
    public string Source { get; }

    public static ElfImage Load(string path) => new(File.ReadAllBytes(path), path);

    /// <summary>Version names this library defines (<c>.gnu.version_d</c>), e.g. GLIBCXX_3.4.30 for libstdc++.</summary>
    public IReadOnlySet<string> DefinedVersions()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (_verDef is null)
        {
            return names;
        }

        var at = _verDef.Offset;
        while (true)
        {
            var auxAt = at + (int)ReadU32(at + 12);
            names.Add(ReadDynString(ReadU32(auxAt)));
            var next = ReadU32(at + 16);
            if (next == 0)
            {
                return names;
            }

            at += (int)next;
        }
    }

    /// <summary>Every version this library requires (<c>.gnu.version_r</c>), with where it is stored.</summary>
    public IReadOnlyList<VersionRequirement> RequiredVersions()
    {
        var result = new List<VersionRequirement>();
        if (_verNeed is null)
        {
            return result;
        }

        var at = _verNeed.Offset;
        while (true)
        {
            var file = ReadDynString(ReadU32(at + 4));
            int count = ReadU16(at + 2);
            var auxAt = at + (int)ReadU32(at + 8);
            for (var i = 0; i < count; i++)
            {
                result.Add(new VersionRequirement(
                    File: file,
                    Name: ReadDynString(ReadU32(auxAt + 8)),
                    Flags: ReadU16(auxAt + 4),
                    Index: ReadU16(auxAt + 6),
                    EntryOffset: auxAt));
                auxAt += (int)ReadU32(auxAt + 12);
            }

            var next = ReadU32(at + 12);
            if (next == 0)
            {
                return result;
            }

            at += (int)next;
        }
    }

    /// <summary>Dynamic symbols with their <c>.gnu.version</c> index (0 when the library has no version table).</summary>
    public IEnumerable<DynamicSymbol> DynamicSymbols()
    {
        var count = _dynSym.Size / DynamicSymbolSize;
        for (var i = 0; i < count; i++)
        {
            var at = _dynSym.Offset + (i * DynamicSymbolSize);
            var name = ReadDynString(ReadU32(at));
            var isUndefined = ReadU16(at + 6) == 0;
            var versionAt = _verSym is null ? -1 : _verSym.Offset + (i * 2);
            yield return new DynamicSymbol(name, isUndefined, versionAt < 0 ? (ushort)0 : ReadU16(versionAt), versionAt);
        }
    }

    /// <summary>The dynamic section's entries up to (not including) the terminating DT_NULL.</summary>
    public IReadOnlyList<DynamicEntry> DynamicEntries()
    {
        var entries = new List<DynamicEntry>();
        for (var i = 0; i < DynamicCapacity; i++)
        {
            var at = _dynamic.Offset + (i * DynamicEntrySize);
            var tag = (long)ReadU64(at);
            if (tag == DtNull)
            {
                break;
            }

            entries.Add(new DynamicEntry(tag, ReadU64(at + 8), at));
        }

        return entries;
    }

    /// <summary>How many entries the dynamic section has room for, terminator and spare DT_NULL slots included.</summary>
    public int DynamicCapacity => _dynamic.Size / DynamicEntrySize;

    /// <summary>Names of the libraries this one needs (DT_NEEDED), in load order.</summary>
    public IReadOnlyList<string> NeededLibraries() =>
        DynamicEntries().Where(e => e.Tag == DtNeeded).Select(e => ReadDynString(e.Value)).ToList();

    /// <summary>The RUNPATH (or, failing that, RPATH) string, or null.</summary>
    public string? RunPath()
    {
        var entry = DynamicEntries().FirstOrDefault(e => e.Tag is DtRunPath or DtRPath);
        return entry is null ? null : ReadDynString(entry.Value);
    }

    /// <summary>Every <c>.dynstr</c> offset the image refers to: symbol, library, path and version names.</summary>
    public IReadOnlySet<ulong> ReferencedStringOffsets()
    {
        var offsets = new HashSet<ulong>();
        for (var at = _dynSym.Offset; at < _dynSym.Offset + _dynSym.Size; at += DynamicSymbolSize)
        {
            offsets.Add(ReadU32(at));
        }

        const long DtSoName = 14;
        foreach (var entry in DynamicEntries().Where(e => e.Tag is DtNeeded or DtSoName or DtRPath or DtRunPath))
        {
            offsets.Add(entry.Value);
        }

        foreach (var requirement in RequiredVersions())
        {
            offsets.Add(ReadU32(requirement.EntryOffset + 8));
        }

        return offsets;
    }

    public string ReadDynString(ulong offset)
    {
        if (offset >= (ulong)_dynStr.Size)
        {
            throw Error($"string offset {offset} lies outside .dynstr");
        }

        var start = _dynStr.Offset + (int)offset;
        var end = Array.IndexOf(Bytes, (byte)0, start, _dynStr.Offset + _dynStr.Size - start);
        if (end < 0)
        {
            throw Error($"unterminated string at .dynstr offset {offset}");
        }

        return Encoding.ASCII.GetString(Bytes, start, end - start);
    }

    /// <summary>Overwrites bytes of <c>.dynstr</c> at <paramref name="offset"/> with a NUL-terminated string.</summary>
    public void WriteDynString(ulong offset, string value)
    {
        var encoded = Encoding.ASCII.GetBytes(value + "\0");
        if (offset + (ulong)encoded.Length > (ulong)_dynStr.Size)
        {
            throw Error($"string '{value}' does not fit in .dynstr at offset {offset}");
        }

        encoded.CopyTo(Bytes, _dynStr.Offset + (int)offset);
    }

    /// <summary>Inserts a dynamic entry at <paramref name="index"/>, using one spare DT_NULL slot.</summary>
    public void InsertDynamicEntry(int index, long tag, ulong value)
    {
        var used = DynamicEntries().Count;
        if (used + 2 > DynamicCapacity)
        {
            throw Error("the dynamic section has no spare slot for another entry");
        }

        var at = _dynamic.Offset + (index * DynamicEntrySize);
        var end = _dynamic.Offset + ((used + 1) * DynamicEntrySize);
        Buffer.BlockCopy(Bytes, at, Bytes, at + DynamicEntrySize, end - at);
        WriteU64(at, (ulong)tag);
        WriteU64(at + 8, value);
    }

    public void WriteU16(int at, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Bytes.AsSpan(at), value);

    public ushort ReadU16(int at) => BinaryPrimitives.ReadUInt16LittleEndian(Bytes.AsSpan(at));

    private uint ReadU32(int at) => BinaryPrimitives.ReadUInt32LittleEndian(Bytes.AsSpan(at));

    private ulong ReadU64(int at) => BinaryPrimitives.ReadUInt64LittleEndian(Bytes.AsSpan(at));

    private void WriteU64(int at, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Bytes.AsSpan(at), value);

    private int CheckedOffset(ulong offset, ulong size) =>
        offset + size <= (ulong)Bytes.Length ? (int)offset : throw Error("a section lies past the end of the file (truncated?)");

    private ElfFormatException Error(string problem) => new(Source, problem);

    private sealed record Section(uint Type, int Offset, int Size, int Link);
}

/// <summary>One Vernaux entry: library <paramref name="File"/> must define version <paramref name="Name"/>.</summary>
internal sealed record VersionRequirement(string File, string Name, ushort Flags, ushort Index, int EntryOffset)
{
    public bool IsWeak => (Flags & ElfImage.VerFlagWeak) != 0;
}

/// <summary>A dynamic symbol; <paramref name="VersionEntryOffset"/> is where its version index is stored, or -1.</summary>
internal sealed record DynamicSymbol(string Name, bool IsUndefined, ushort VersionIndex, int VersionEntryOffset);

/// <summary>A dynamic section entry and its file offset.</summary>
internal sealed record DynamicEntry(long Tag, ulong Value, int Offset);
