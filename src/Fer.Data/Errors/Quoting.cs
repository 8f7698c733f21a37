using System.Text;

namespace PersonalFer.Data;

/// <summary>Bad values as error messages quote them: shortened, with control characters escaped so binary garbage stays readable.</summary>
internal static class Quoting
{
    // Longest quotation of a bad value, in characters (bytes for raw input).
    private const int MaxLength = 40;

    public static string Quote(ReadOnlySpan<byte> bytes) =>
        Quote(Encoding.UTF8.GetString(bytes.Length > MaxLength ? bytes[..MaxLength] : bytes), bytes.Length > MaxLength);

    public static string Quote(string text) => Quote(text.Length > MaxLength ? text[..MaxLength] : text, text.Length > MaxLength);

    private static string Quote(string text, bool isShortened)
    {
        var quoted = new StringBuilder(text.Length + 1);
        foreach (var c in text)
        {
            if (char.IsControl(c))
            {
                quoted.Append($"\\x{(int)c:x2}");
            }
            else
            {
                quoted.Append(c);
            }
        }

        return isShortened ? quoted.Append('…').ToString() : quoted.ToString();
    }
}
