namespace PersonalFer.Web;

/// <summary>The app's log messages (source-generated, so a disabled level costs nothing on the frame path).</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Connection {Connection} opened ({Active} active)")]
    public static partial void ConnectionOpened(ILogger logger, int connection, int active);

    [LoggerMessage(2, LogLevel.Information, "Connection {Connection} closed after {Frames} frames ({Dropped} dropped, {Rejected} rejected)")]
    public static partial void ConnectionClosed(ILogger logger, int connection, long frames, long dropped, long rejected);

    [LoggerMessage(3, LogLevel.Warning, "Connection refused: {Max} connections are open")]
    public static partial void ConnectionRefused(ILogger logger, int max);

    [LoggerMessage(4, LogLevel.Information, "Profile '{Name}' fine-tuned on {Faces} faces in {Seconds:F1} s and stored")]
    public static partial void ProfileStored(ILogger logger, string name, int faces, double seconds);

    [LoggerMessage(5, LogLevel.Warning, "Fine-tune for '{Name}' failed: {Reason}")]
    public static partial void FineTuneFailed(ILogger logger, string name, string reason);

    [LoggerMessage(6, LogLevel.Warning, "Stored profile of '{Name}' cannot be used with this model: {Reason}")]
    public static partial void StoredProfileUnusable(ILogger logger, string name, string reason);

    [LoggerMessage(7, LogLevel.Information, "Profile '{Name}' deleted")]
    public static partial void ProfileDeleted(ILogger logger, string name);

    [LoggerMessage(8, LogLevel.Information, "Profiles are stored in {Path}")]
    public static partial void Database(ILogger logger, string path);

    [LoggerMessage(9, LogLevel.Error, "Connection {Connection} failed")]
    public static partial void SessionFailed(ILogger logger, int connection, Exception exception);

    [LoggerMessage(10, LogLevel.Error, "Connection {Connection}: frame {Frame} could not be classified")]
    public static partial void FrameFailed(ILogger logger, int connection, long frame, Exception exception);

    [LoggerMessage(11, LogLevel.Error, "Connection {Connection}: a command failed")]
    public static partial void CommandFailed(ILogger logger, int connection, Exception exception);
}
