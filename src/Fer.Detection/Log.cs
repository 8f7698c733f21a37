using Microsoft.Extensions.Logging;

namespace PersonalFer.Detection;

/// <summary>
/// Fer.Detection's log messages (source-generated, allocation-free when disabled). Event ids 2000–2999 belong to
/// Fer.Detection, so a host can filter on them; docs/HOSTING.md lists them all.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(2001, LogLevel.Information, "YuNet face detector: frames shrunk to at most {MaxDetectionSide} px, score threshold {ScoreThreshold}, NMS threshold {NmsThreshold}, top {TopK} candidates")]
    public static partial void YuNetCreated(ILogger logger, int maxDetectionSide, float scoreThreshold, float nmsThreshold, int topK);

    [LoggerMessage(2002, LogLevel.Information, "YuNet model file extracted to {Path} (cache root {CacheRoot}; PERSONALFER_CACHE moves it)")]
    public static partial void YuNetModelCached(ILogger logger, string path, string cacheRoot);
}
