namespace PersonalFer.Model.Native;

/// <summary>An ELF file could not be read or edited; the message names the file and the problem.</summary>
internal sealed class ElfFormatException(string file, string problem)
    : Exception($"{file}: {problem}")
{
    public string File { get; } = file;
}
