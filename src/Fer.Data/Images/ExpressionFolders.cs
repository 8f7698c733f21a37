namespace PersonalFer.Data;

/// <summary>
/// The <c>&lt;root&gt;/&lt;expression&gt;/*.png|jpg</c> convention shared by FER2013's folders and a user's own faces.
/// Hidden entries (names starting with a dot: <c>.ipynb_checkpoints</c>, macOS's <c>._face.png</c> copies) are not
/// part of it.
/// </summary>
internal static class ExpressionFolders
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp"];

    public static string Expected => string.Join(", ", Expressions.All.Select(e => e.ToString().ToLowerInvariant()));

    /// <summary>The expression a folder is named after (its exact name, in any case), or null.</summary>
    public static Expression? Parse(string directory)
    {
        var name = Path.GetFileName(directory);
        return Expressions.All.Cast<Expression?>().FirstOrDefault(e => string.Equals(e.ToString(), name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The sub-folders of a folder that are not hidden, in ordinal name order.</summary>
    public static IEnumerable<string> Folders(string directory) => Visible(Directory.GetDirectories(directory));

    /// <summary>The image files in a folder, in ordinal name order so every run sees the same order.</summary>
    public static IEnumerable<string> ImageFiles(string directory) =>
        Visible(Directory.GetFiles(directory)).Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase));

    private static IEnumerable<string> Visible(IEnumerable<string> paths) =>
        paths.Where(p => !Path.GetFileName(p).StartsWith('.')).Order(StringComparer.Ordinal);
}
