using Microsoft.Extensions.Logging;

namespace PersonalFer;

/// <summary>Fer.Pipeline's log messages (source-generated).</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "{Found} faces found; classifying the {Used} largest")]
    public static partial void FacesDropped(ILogger logger, int found, int used);

    [LoggerMessage(2, LogLevel.Warning, "No general faces to replay: the personal head may forget expressions the person did not provide")]
    public static partial void NoReplay(ILogger logger);

    [LoggerMessage(3, LogLevel.Information, "Profile '{Name}' trained on {Faces} faces ({Skipped} samples without a face skipped) in {Milliseconds:F0} ms")]
    public static partial void FineTuned(ILogger logger, string name, int faces, int skipped, double milliseconds);
}
