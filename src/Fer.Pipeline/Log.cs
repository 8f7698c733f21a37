using Microsoft.Extensions.Logging;

namespace PersonalFer;

/// <summary>
/// Fer.Pipeline's log messages (source-generated). Event ids 4000–4999 belong to Fer.Pipeline, so a host can filter
/// on them; docs/HOSTING.md lists them all. Profile names are logged, face images never.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(4001, LogLevel.Debug, "{Found} faces found; classifying the {Used} largest")]
    public static partial void FacesDropped(ILogger logger, int found, int used);

    [LoggerMessage(4002, LogLevel.Warning, "No general faces to replay: the personal head may forget expressions the person did not provide")]
    public static partial void NoReplay(ILogger logger);

    [LoggerMessage(4003, LogLevel.Information, "Profile '{Name}' trained on {Faces} faces ({Skipped} samples without a face skipped) in {Milliseconds:F0} ms")]
    public static partial void FineTuned(ILogger logger, string name, int faces, int skipped, double milliseconds);

    [LoggerMessage(4004, LogLevel.Warning, "No face found in {Count} of {Samples} samples, skipped: {Sources}")]
    public static partial void SamplesWithoutFace(ILogger logger, int count, int samples, string sources);

    [LoggerMessage(4005, LogLevel.Information, "Profile '{Name}' loaded from {Path} ({Faces} faces, trained {Created:u})")]
    public static partial void ProfileLoaded(ILogger logger, string name, string path, int faces, DateTimeOffset created);

    [LoggerMessage(4006, LogLevel.Warning, "Profile {Path} refused: {Reason}")]
    public static partial void ProfileRefused(ILogger logger, string path, string reason, Exception exception);

    [LoggerMessage(4007, LogLevel.Warning, "Profile '{Name}' refused by the pipeline: {Reason}")]
    public static partial void ProfileRefusedByPipeline(ILogger logger, string name, string reason);

    [LoggerMessage(4008, LogLevel.Information, "General replay for personalization: {Faces} FER2013 Training faces from {Path}")]
    public static partial void ReplayFromData(ILogger logger, int faces, string path);

    [LoggerMessage(4009, LogLevel.Information, "OpenCV's process-wide thread count set from {Before} to {Threads} (PersonalFer option OpenCvThreads)")]
    public static partial void OpenCvThreadsSet(ILogger logger, int before, int threads);
}
