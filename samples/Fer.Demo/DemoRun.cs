using System.Diagnostics;
using OpenCvSharp;
using PersonalFer.Data;
using PersonalFer.Detection;
using PersonalFer.Model;

namespace PersonalFer.Demo;

/// <summary>Runs the pipeline over the input and writes the annotated media and predictions.</summary>
internal static class DemoRun
{
    public static int Execute(DemoSettings settings)
    {
        if (settings.InputPath is not null && !File.Exists(settings.InputPath))
        {
            Console.Error.WriteLine($"No such file: {settings.InputPath}");
            return 1;
        }

        Directory.CreateDirectory(settings.OutputDirectory);
        using var detector = new YuNetFaceDetector(settings.DetectionSide is { } side ? new YuNetOptions { MaxDetectionSide = side } : new YuNetOptions());
        using var model = string.Equals(settings.Model, "default", StringComparison.OrdinalIgnoreCase) ? ExpressionModel.LoadDefault() : ExpressionModel.Load(settings.Model);
        using var profile = settings.ProfilePath is null ? null : PersonalProfile.Load(settings.ProfilePath, model);
        var pipeline = new ExpressionPipeline(detector, model);
        var stem = Path.Combine(settings.OutputDirectory, settings.Stem);
        Console.WriteLine($"Model: {model.Architecture}, {model.ParameterCount:N0} parameters{Accuracy(model)}; profile: {profile?.Name ?? "none"}; TorchSharp {TorchRuntime.Description}");
        using var predictions = new PredictionWriter(stem + ".predictions.json", stem + ".predictions.csv");
        var summary = new Summary();
        var annotated = settings.IsImage
            ? Image(settings.InputPath!, pipeline, profile, predictions, summary, stem)
            : Video(settings, pipeline, profile, predictions, summary, stem);
        if (annotated is null)
        {
            return 1;
        }

        summary.Print();
        Console.WriteLine($"Wrote {annotated}, {stem}.predictions.json, {stem}.predictions.csv");
        return 0;
    }

    private static string Accuracy(ExpressionModel model) =>
        model.Manifest.Metrics.TryGetValue("PrivateTest.accuracy", out var accuracy) ? $" ({accuracy:P1} on FER2013 PrivateTest)" : "";

    private static string? Image(string path, ExpressionPipeline pipeline, PersonalProfile? profile, PredictionWriter predictions, Summary summary, string stem)
    {
        using var frame = Cv2.ImRead(path);
        if (frame.Empty())
        {
            Console.Error.WriteLine($"OpenCV could not decode an image from {path}");
            return null;
        }

        var stopwatch = Stopwatch.StartNew();
        var faces = pipeline.Classify(frame, profile);
        summary.AddFrame(stopwatch.Elapsed.TotalMilliseconds, faces.Count);
        var tracked = faces.Select((f, i) => new TrackedFaceExpression(i + 1, f, f.Expression, f.Confidence, f.Probabilities)).ToList();
        predictions.Write(0, 0, tracked);
        Console.WriteLine($"{Path.GetFileName(path)}: {frame.Width}x{frame.Height}, {faces.Count} face(s)");
        foreach (var face in tracked)
        {
            summary.AddFace(face);
            Console.WriteLine($"  face {face.TrackId} at {face.Frame.Box}: {face.Expression} {face.Confidence:P0} (" +
                string.Join(", ", Expressions.All.Select((e, k) => $"{e} {face.Probabilities[k]:F2}")) + ")");
        }

        Annotation.Draw(frame, tracked);
        var output = stem + ".annotated.png";
        Cv2.ImWrite(output, frame);
        return output;
    }

    private static string? Video(DemoSettings settings, ExpressionPipeline pipeline, PersonalProfile? profile, PredictionWriter predictions, Summary summary, string stem)
    {
        using var capture = settings.InputPath is null ? new VideoCapture(settings.Camera!.Value) : new VideoCapture(settings.InputPath);
        if (!capture.IsOpened())
        {
            Console.Error.WriteLine(settings.InputPath is null ? $"Could not open webcam {settings.Camera}" : $"OpenCV could not open a video or image from {settings.InputPath}");
            return null;
        }

        var fps = capture.Fps is > 0 and < 240 ? capture.Fps : 30;
        var output = stem + ".annotated.mp4";
        using var writer = new VideoWriter(output, FourCC.MP4V, fps, new Size(capture.FrameWidth, capture.FrameHeight));
        if (!writer.IsOpened())
        {
            Console.Error.WriteLine($"OpenCV could not write {output}");
            return null;
        }

        // Ctrl+C ends a webcam run cleanly, with every output file complete.
        var stop = false;
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop = true; };
        var tracker = new ExpressionTracker(new ExpressionTrackingOptions { NewFrameWeight = settings.Smooth ? 0.3 : 1 });
        var index = 0;
        var lastReport = Stopwatch.StartNew();
        var run = Stopwatch.StartNew();

        // Tracking, annotation and output take the frames in order, whichever way they were classified.
        void Finish(Mat frame, IReadOnlyList<FaceExpression> faces, double milliseconds)
        {
            var tracked = tracker.Update(faces);
            summary.AddFrame(milliseconds, tracked.Count);
            foreach (var face in tracked)
            {
                summary.AddFace(face);
            }

            predictions.Write(index, index * 1000.0 / fps, tracked);
            Annotation.Draw(frame, tracked);
            writer.Write(frame);
            index++;
            if (lastReport.Elapsed.TotalSeconds >= 2)
            {
                Console.WriteLine($"  frame {index}: {tracked.Count} face(s){(tracked.Count > 0 ? ", " + string.Join(", ", tracked.Select(t => $"#{t.TrackId} {t.Expression} {t.Confidence:P0}")) : "")}");
                lastReport.Restart();
            }
        }

        bool More() => !stop && index < (settings.MaxFrames ?? int.MaxValue);
        if (settings.Batch && settings.InputPath is not null)
        {
            Batch(capture, pipeline, profile, settings.MaxFrames ?? int.MaxValue, More, Finish);
        }
        else
        {
            using var frame = new Mat();
            while (More() && capture.Read(frame) && !frame.Empty())
            {
                var stopwatch = Stopwatch.StartNew();
                var faces = pipeline.Classify(frame, profile);
                Finish(frame, faces, stopwatch.Elapsed.TotalMilliseconds);
            }
        }

        Console.WriteLine($"{index} frame(s) in {run.Elapsed.TotalSeconds:F2} s: {index / run.Elapsed.TotalSeconds:F1} frames/s{(settings.Batch ? $" (batch mode, {Environment.ProcessorCount} frames at a time)" : "")}");
        return output;
    }

    /// <summary>
    /// A video file as fast as the machine goes: while this thread decodes the next frames and writes the finished
    /// ones, as many frames as there are cores are classified at once on the thread pool (each call runs libtorch on
    /// its own thread, so they do not wait on each other). Frames are finished in order.
    /// </summary>
    private static void Batch(VideoCapture capture, ExpressionPipeline pipeline, PersonalProfile? profile, int maxFrames,
        Func<bool> more, Action<Mat, IReadOnlyList<FaceExpression>, double> finish)
    {
        var inFlight = new Queue<(Mat Frame, Task<(IReadOnlyList<FaceExpression> Faces, double Milliseconds)> Work)>();
        var read = 0;
        try
        {
            while (more() && read < maxFrames)
            {
                var frame = new Mat();
                if (!capture.Read(frame) || frame.Empty())
                {
                    frame.Dispose();
                    break;
                }

                read++;
                inFlight.Enqueue((frame, Task.Run(() =>
                {
                    var stopwatch = Stopwatch.StartNew();
                    return (pipeline.Classify(frame, profile), stopwatch.Elapsed.TotalMilliseconds);
                })));
                if (inFlight.Count > Environment.ProcessorCount)
                {
                    FinishNext(inFlight, finish);
                }
            }

            while (inFlight.Count > 0)
            {
                FinishNext(inFlight, finish);
            }
        }
        finally
        {
            // Stopped early or failed: each frame still being classified is released once its call is done.
            foreach (var (frame, work) in inFlight)
            {
                work.ContinueWith(_ => frame.Dispose(), TaskScheduler.Default);
            }
        }
    }

    private static void FinishNext(Queue<(Mat Frame, Task<(IReadOnlyList<FaceExpression> Faces, double Milliseconds)> Work)> inFlight,
        Action<Mat, IReadOnlyList<FaceExpression>, double> finish)
    {
        var (frame, work) = inFlight.Dequeue();
        using (frame)
        {
            var (faces, milliseconds) = work.GetAwaiter().GetResult();
            finish(frame, faces, milliseconds);
        }
    }
}
