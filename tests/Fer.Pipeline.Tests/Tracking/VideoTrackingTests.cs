using OpenCvSharp;
using PersonalFer.Data;
using PersonalFer.Detection;
using PersonalFer.Model;
using PersonalFer.Tests;

namespace PersonalFer.Pipeline.Tests;

/// <summary>
/// The shipped model, YuNet and the tracker on a clip made in code: her head and a smaller mirrored copy drift
/// towards each other across a backdrop (one in the upper, one in the lower half) under strong sensor noise, which
/// makes the per-frame predictions flicker as live video does.
/// </summary>
public sealed class VideoTrackingTests
{
    private const int Frames = 60;
    private const int PixelsPerFrame = 2;
    private const double NoiseSigma = 40;
    private const ulong NoiseSeed = 7;

    [Fact]
    public void Faces_in_a_noisy_video_keep_their_tracks_and_smoothing_removes_flicker()
    {
        using var detector = new YuNetFaceDetector();
        using var model = ExpressionModel.LoadDefault();
        var pipeline = new ExpressionPipeline(detector, model);
        var tracker = new ExpressionTracker();
        using var head = TestPhotos.Head();
        using var mirrored = head.Flip(FlipMode.Y);
        var lastRaw = new Dictionary<int, Expression>();
        var lastSmoothed = new Dictionary<int, Expression>();
        var halves = new Dictionary<int, HashSet<bool>>();
        int detections = 0, rawChanges = 0, smoothedChanges = 0;

        Cv2.SetTheRNG(NoiseSeed);
        for (var frameIndex = 0; frameIndex < Frames; frameIndex++)
        {
            using var frame = Frame(head, mirrored, frameIndex);
            foreach (var face in tracker.Update(pipeline.Classify(frame)))
            {
                detections++;
                rawChanges += lastRaw.TryGetValue(face.TrackId, out var raw) && raw != face.Frame.Expression ? 1 : 0;
                smoothedChanges += lastSmoothed.TryGetValue(face.TrackId, out var smoothed) && smoothed != face.Expression ? 1 : 0;
                lastRaw[face.TrackId] = face.Frame.Expression;
                lastSmoothed[face.TrackId] = face.Expression;
                var upper = face.Frame.Box.Y + (face.Frame.Box.Height / 2) < frame.Height / 2;
                halves.TryAdd(face.TrackId, []);
                halves[face.TrackId].Add(upper);
            }
        }

        Assert.True(detections >= 2 * Frames * 9 / 10, $"only {detections} faces found in {Frames} frames of two faces");
        Assert.Equal(2, lastRaw.Count);
        Assert.All(halves.Values, h => Assert.Single(h));
        Assert.True(rawChanges >= 10, $"the noisy clip should make raw predictions flicker, but they changed only {rawChanges} times");
        Assert.True(smoothedChanges < rawChanges, $"smoothed expressions changed {smoothedChanges} times, raw ones {rawChanges}");
    }

    private static Mat Frame(Mat head, Mat mirrored, int index)
    {
        var frame = new Mat(480, 640, MatType.CV_8UC3, TestPhotos.Backdrop);
        TestPhotos.Paste(frame, head, new Rect(10 + (PixelsPerFrame * index), 20, 200, 200));
        TestPhotos.Paste(frame, mirrored, new Rect(470 - (PixelsPerFrame * index), 300, 150, 150));
        using var noise = new Mat(frame.Size(), MatType.CV_16SC3);
        Cv2.Randn(noise, Scalar.All(0), Scalar.All(NoiseSigma));
        using var wide = new Mat();
        frame.ConvertTo(wide, MatType.CV_16SC3);
        Cv2.Add(wide, noise, wide);
        wide.ConvertTo(frame, MatType.CV_8UC3);
        return frame;
    }
}
