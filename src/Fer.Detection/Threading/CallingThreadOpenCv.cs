using System.Runtime.ExceptionServices;
using OpenCvSharp;

namespace PersonalFer.Detection;

/// <summary>
/// Runs OpenCV work on the calling thread alone, without touching OpenCV's process-wide thread count.
/// </summary>
/// <remarks>
/// OpenCV runs a parallel loop started inside another one serially, on the thread that starts it: while any thread
/// is inside <c>cv::parallel_for_</c>, every other <c>parallel_for_</c> in the process runs its body directly (OpenCV's
/// nested-region rule, a process-wide flag). <c>Mat.forEach</c> over a single element is such a loop whose one body
/// runs on the caller, so work done inside it — a detection's resizing and network — uses no pool thread. That keeps a
/// detection from waiting for an OpenCV worker that another process has descheduled, which is what made single
/// calls 10–30× slower than their median beside a busy process (docs/BENCHMARKS.md). While the work runs, parallel
/// loops that other threads of the process start run serially too, as they do whenever two threads use OpenCV at once.
/// </remarks>
internal static class CallingThreadOpenCv
{
    /// <summary>The result of <paramref name="work"/>, run on this thread with OpenCV's parallel loops serial.</summary>
    public static T Run<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var single = new Mat(1, 1, MatType.CV_8UC1);
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        unsafe
        {
            // An exception must not unwind through OpenCV's native frames: it is carried out and rethrown here.
            single.ForEachAsByte((_, _) =>
            {
                try
                {
                    result = work();
                }
                catch (Exception e)
                {
                    failure = ExceptionDispatchInfo.Capture(e);
                }
            });
        }

        failure?.Throw();
        return result;
    }
}
