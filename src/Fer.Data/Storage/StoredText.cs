using System.Buffers;
using System.Text;

namespace PersonalFer.Data;

/// <summary>Rules for text that PersonalFer stores in its files and quotes in its errors.</summary>
internal static class StoredText
{
    // Characters of a value quoted in an error message; longer values are cut.
    private const int ShownLength = 40;

    /// <summary>
    /// Whether <paramref name="text"/> survives a JSON round trip unchanged: well-formed UTF-16 (a lone surrogate is
    /// written as U+FFFD and reads back as another string).
    /// </summary>
    public static bool IsWellFormed(string text)
    {
        var rest = text.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out _, out var used) != OperationStatus.Done)
            {
                return false;
            }

            rest = rest[used..];
        }

        return true;
    }

    /// <summary><paramref name="value"/> cut to a length fit for an error message.</summary>
    public static string Shown(string value) => value.Length <= ShownLength ? value : $"{value[..ShownLength]}…";
}
