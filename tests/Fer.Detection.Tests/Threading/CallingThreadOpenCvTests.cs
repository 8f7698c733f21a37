using System.Collections.Concurrent;
using OpenCvSharp;
using PersonalFer.Tests;

namespace PersonalFer.Detection.Tests;

/// <summary>
/// Detection on the calling thread alone (YuNet's default): OpenCV's parallel loops inside run on that thread, the
/// process-wide thread count is never touched, failures come out as they were thrown, and the faces are the pool's.
/// </summary>
public sealed class CallingThreadOpenCvTests
{
    [Fact]
    public void Parallel_OpenCV_work_inside_runs_on_the_calling_thread_and_the_thread_count_is_left_alone()
    {
        using var large = new Mat(1000, 1000, MatType.CV_8UC1);
        var before = Cv2.GetNumThreads();
        var caller = Environment.CurrentManagedThreadId;

        var threadsInside = CallingThreadOpenCv.Run(() =>
        {
            Assert.Equal(caller, Environment.CurrentManagedThreadId);
            return ThreadsOf(large);
        });

        Assert.Equal([caller], threadsInside);
        Assert.Equal(before, Cv2.GetNumThreads());
        // Outside, the same loop is spread over OpenCV's pool: the check above could not pass by accident.
        Assert.SkipUnless(before > 1, "OpenCV runs one thread here, so it never spreads a loop.");
        Assert.True(ThreadsOf(large).Count > 1, "outside the region the loop ran on one thread too");
    }

    [Fact]
    public void A_failure_inside_comes_out_as_thrown_and_later_calls_still_run_on_the_calling_thread()
    {
        using var large = new Mat(1000, 1000, MatType.CV_8UC1);

        var thrown = Assert.Throws<InvalidDataException>(() => CallingThreadOpenCv.Run<int>(() => throw new InvalidDataException("from inside")));
        Assert.Equal("from inside", thrown.Message);
        Assert.Single(CallingThreadOpenCv.Run(() => ThreadsOf(large)));
        Assert.Equal(42, CallingThreadOpenCv.Run(() => 42));
    }

    [Fact]
    public void YuNet_finds_the_same_faces_on_the_calling_thread_as_on_OpenCVs_pool()
    {
        // Detecting at 320 finds the small face too.
        using var onCaller = new YuNetFaceDetector(new YuNetOptions { MaxDetectionSide = 320 });
        using var onPool = new YuNetFaceDetector(new YuNetOptions { MaxDetectionSide = 320, UseOpenCvThreadPool = true });
        foreach (var scene in new[] { TestPhotos.Astronaut(), TestPhotos.TwoFaces(), TestPhotos.SmallFace() })
        {
            using (scene)
            {
                var faces = onCaller.Detect(scene);
                Assert.NotEmpty(faces);
                Assert.Equal(onPool.Detect(scene), faces);
            }
        }
    }

    // The managed threads a parallel loop over the image's pixels ran on.
    private static unsafe List<int> ThreadsOf(Mat image)
    {
        var threads = new ConcurrentDictionary<int, bool>();
        image.ForEachAsByte((_, _) => threads.TryAdd(Environment.CurrentManagedThreadId, true));
        return [.. threads.Keys];
    }
}
