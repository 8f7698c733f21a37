using Microsoft.Extensions.Logging;

namespace PersonalFer.Model;

/// <summary>
/// What <see cref="TorchRuntime"/> does at first use (source-generated). Fer.Model's native-runtime events own the
/// ids 3900–3999, so that a host can filter them and no other PersonalFer event shares them.
/// </summary>
internal static partial class TorchRuntimeLog
{
    [LoggerMessage(3900, LogLevel.Information, "TorchSharp's native runtime loads as shipped, no patch needed: {Reason}")]
    public static partial void NotPatched(ILogger logger, string reason);

    [LoggerMessage(3901, LogLevel.Information, "TorchSharp's native runtime patched: {LibStdCxx} lacks {Version}, so the patched copy {Library} was loaded ({Action} in the cache; docs/NATIVE.md)")]
    public static partial void Patched(ILogger logger, string libStdCxx, string version, string library, string action);

    [LoggerMessage(3902, LogLevel.Error, "TorchSharp's native runtime could not be prepared: {Reason}")]
    public static partial void Failed(ILogger logger, string reason, Exception exception);
}
