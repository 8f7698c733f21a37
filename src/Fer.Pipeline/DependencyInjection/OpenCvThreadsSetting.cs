using Microsoft.Extensions.Logging;
using PersonalFer.Data;

namespace PersonalFer;

/// <summary>
/// <see cref="PersonalFerOptions.OpenCvThreads"/>, applied once per container: OpenCV's thread count is process-wide,
/// so it changes only when the host asked for it, and the log says so.
/// </summary>
internal sealed class OpenCvThreadsSetting
{
    private OpenCvThreadsSetting()
    {
    }

    public static OpenCvThreadsSetting Apply(int threads, ILogger? logger)
    {
        if (threads > 0)
        {
            OpenCvRuntime.EnsureLoaded();
            var before = OpenCvSharp.Cv2.GetNumThreads();
            OpenCvSharp.Cv2.SetNumThreads(threads);
            if (logger is not null)
            {
                Log.OpenCvThreadsSet(logger, before, threads);
            }
        }

        return new OpenCvThreadsSetting();
    }
}
