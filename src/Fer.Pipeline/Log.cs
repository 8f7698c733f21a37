using Microsoft.Extensions.Logging;

namespace PersonalFer;

/// <summary>Fer.Pipeline's log messages (source-generated).</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "{Found} faces found; classifying the {Used} largest")]
    public static partial void FacesDropped(ILogger logger, int found, int used);
}
