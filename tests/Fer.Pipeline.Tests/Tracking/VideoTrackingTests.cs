using OpenCvSharp;
using PersonalFer.Data;
using PersonalFer.Detection;
using PersonalFer.Model;
using PersonalFer.Tests;

namespace PersonalFer.Pipeline.Tests;

/// <summary>The shipped model, YuNet and the tracker on a real stage clip (several moving faces).</summary>
public sealed class VideoTrackingTests
{
    [Fact]
    public void Faces_in_a_real_video_keep_their_tracks_and_smoothing_removes_flicker()
    {
        using var capture = new VideoCapture(SharedFiles.Require("media/short_hamilton_clip.mp4"));
        Assert.True(capture.IsOpened(), "OpenCV could not open the MP4 clip");
        // Stage faces are small and distant: the detection size YuNetOptions documents for them.
        using var detector = new YuNetFaceDetector(new YuNetOptions { MaxDetectionSide = 320 });
        using var model = ExpressionModel.LoadDefault();
        var pipeline = new ExpressionPipeline(detector, model);
        var tracker = new ExpressionTracker();
        var lastRaw = new Dictionary<int, Expression>();
        var lastSmoothed = new Dictionary<int, Expression>();
        int frames = 0, detections = 0, rawChanges = 0, smoothedChanges = 0;
        using var frame = new Mat();
        while (frames < 90 && capture.Read(frame) && !frame.Empty())
        {
            frames++;
            foreach (var face in tracker.Update(pipeline.Classify(frame)))
            {
                detections++;
                rawChanges += lastRaw.TryGetValue(face.TrackId, out var raw) && raw != face.Frame.Expression ? 1 : 0;
                smoothedChanges += lastSmoothed.TryGetValue(face.TrackId, out var smoothed) && smoothed != face.Expression ? 1 : 0;
                lastRaw[face.TrackId] = face.Frame.Expression;
                lastSmoothed[face.TrackId] = face.Expression;
            }
        }

        Assert.Equal(90, frames);
        Assert.True(detections >= 90, $"only {detections} faces found in 90 frames");
        Assert.True(lastRaw.Count <= detections / 10, $"{lastRaw.Count} tracks for {detections} detections: faces are not followed");
        Assert.True(smoothedChanges < rawChanges, $"smoothed expressions changed {smoothedChanges} times, raw ones {rawChanges}");
    }
}
