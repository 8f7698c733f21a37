namespace PersonalFer.Data.Tests;

/// <summary>What a <see cref="Mutation"/> does.</summary>
internal enum MutationKind
{
    FlipBit,
    SetByte,
    SetSpecialByte,
    InsertBytes,
    InsertSpecialByte,
    DeleteBytes,
    Truncate,
    AppendBytes,
    DuplicateLine,
    DeleteLine,
    SwapLines,
    SwapFields,
    SetField,
    InsertBlankLine,
    CrLf,
    Bom,
    QuoteFields,
}
