namespace PersonalFer.Demo;

/// <summary>What the user asked for.</summary>
/// <param name="InputPath">An image or video file, or null for a camera.</param>
/// <param name="Camera">The webcam index when <paramref name="InputPath"/> is null.</param>
/// <param name="OutputDirectory">Where the results go.</param>
/// <param name="Model">'default' or a .fermodel file.</param>
/// <param name="ProfilePath">A .ferprofile, or null for the general model.</param>
/// <param name="MaxFrames">Stop a video after this many frames.</param>
/// <param name="Smooth">Smooth video predictions per tracked face.</param>
/// <param name="DetectionSide">YuNet's detection size, or null for its default.</param>
/// <param name="Batch">Classify several frames of a video file at once, on every core.</param>
internal sealed record DemoSettings(string? InputPath, int? Camera, string OutputDirectory, string Model, string? ProfilePath, int? MaxFrames, bool Smooth, int? DetectionSide, bool Batch)
{
    private static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"];

    public bool IsImage => InputPath is not null && ImageExtensions.Contains(Path.GetExtension(InputPath).ToLowerInvariant());

    /// <summary>Output file names start with this: the input's name, or camera-N.</summary>
    public string Stem => InputPath is null ? $"camera-{Camera}" : Path.GetFileNameWithoutExtension(InputPath);
}
