namespace PersonalFer.Data;

/// <summary>The <c>&lt;root&gt;/&lt;expression&gt;/*.png|jpg</c> convention shared by FER2013's folders and a user's own faces.</summary>
internal static class ExpressionFolders
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp"];

    public static string Expected => string.Join(", ", Expressions.All.Select(e => e.ToString().ToLowerInvariant()));

    /// <summary>The expression a folder is named after (case-insensitive), or null.</summary>
    public static Expression? Parse(string directory) =>
        Enum.TryParse<Expression>(Path.GetFileName(directory), ignoreCase: true, out var label) && Enum.IsDefined(label) && !int.TryParse(Path.GetFileName(directory), out _)
            ? label
            : null;

    /// <summary>The image files in a folder, in ordinal name order so every run sees the same order.</summary>
    public static IEnumerable<string> ImageFiles(string directory) =>
        Directory.GetFiles(directory)
            .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal);
}
