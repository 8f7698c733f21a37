using System.Diagnostics;
using System.Text.Json;
using OpenCvSharp;
using PersonalFer.Detection;
using PersonalFer.Model;

namespace PersonalFer.Benchmarks.Targets;

/// <summary>
/// One configuration's measurements, in a process of its own (the CPU configuration is set by its environment, and
/// the cold start happens once per process): per-call latency quiet and beside a busy process,
/// throughput with concurrent streams, and FineTune. Writes one JSON object to stdout.
/// </summary>
internal static class TargetMeasurement
{
    private const int WarmUpCalls = 100;
    private const int LatencyCalls = 1500;
    private static readonly TimeSpan StreamDuration = TimeSpan.FromSeconds(4);
    private const int FineTuneRuns = 5;
    // A process's first FineTunes run code the JIT has not finished optimizing (in scratch loops the second took up to
    // twice as long as the sixth): the suite times calls after the runtime has settled, as it does for Classify.
    private const int FineTuneWarmUps = 3;

    /// <summary>
    /// The cold start alone, in a fresh process: <c>LoadDefault()</c>, a detector and the first <c>Classify</c>. The
    /// suite runs it several times, since one process's start varies with what the disk cache and the machine hold.
    /// </summary>
    public static int ColdStart()
    {
        var coldStart = Stopwatch.StartNew();
        using var model = ExpressionModel.LoadDefault();
        var loadMs = coldStart.Elapsed.TotalMilliseconds;
        using var detector = new YuNetFaceDetector();
        var pipeline = new ExpressionPipeline(detector, model);
        using var frame = RealFrame.Create640x480();
        var faces = pipeline.Classify(frame).Count;
        var result = new Dictionary<string, object>
        {
            ["cold_start_ms"] = coldStart.Elapsed.TotalMilliseconds,
            ["cold_load_ms"] = loadMs,
            ["faces"] = faces,
        };
        Console.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    }

    public static int Run()
    {
        var result = new Dictionary<string, object>();
        using var model = ExpressionModel.LoadDefault();
        using var detector = new YuNetFaceDetector();
        var pipeline = new ExpressionPipeline(detector, model);
        using var frame = RealFrame.Create640x480();
        result["faces"] = pipeline.Classify(frame).Count;
        result["precision"] = model.Precision.ToString();

        for (var i = 0; i < WarmUpCalls; i++)
        {
            pipeline.Classify(frame);
        }

        result["quiet"] = Latencies(() => pipeline.Classify(frame));
        using (BusyProcess.Start())
        {
            result["contended"] = Latencies(() => pipeline.Classify(frame));
        }

        // The same with libtorch's own way, every call on every core, for comparison.
        model.Threading = new InferenceThreading { FacesPerThread = 0 };
        result["all_cores_quiet"] = Latencies(() => pipeline.Classify(frame));
        using (BusyProcess.Start())
        {
            result["all_cores_contended"] = Latencies(() => pipeline.Classify(frame));
        }

        model.Threading = new InferenceThreading();
        result["detect_ms"] = Median(Times(200, () => detector.Detect(frame)));
        var face = new byte[Data.FaceImage.PixelCount];
        result["network_ms"] = Median(Times(200, () => model.PredictProbabilities(face, 1)));
        result["streams"] = new[] { 1, 2, 4, 8 }.ToDictionary(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture), n => Streams(pipeline, frame, n));
        FineTunes(detector, model, result);

        // For comparison, detection on OpenCV's thread pool (OpenCV's default thread count, one per core).
        using var poolDetector = new YuNetFaceDetector(new YuNetOptions { UseOpenCvThreadPool = true });
        var poolPipeline = new ExpressionPipeline(poolDetector, model);
        for (var i = 0; i < WarmUpCalls; i++)
        {
            poolPipeline.Classify(frame);
        }

        result["opencv_pool_quiet"] = Latencies(() => poolPipeline.Classify(frame));
        using (BusyProcess.Start())
        {
            result["opencv_pool_contended"] = Latencies(() => poolPipeline.Classify(frame));
        }

        Console.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    }

    private static Dictionary<string, double> Latencies(Action call)
    {
        var times = Times(LatencyCalls, call);
        Array.Sort(times);
        return new()
        {
            ["median_ms"] = Median(times),
            ["p95_ms"] = times[(int)(0.95 * (times.Length - 1))],
            ["p99_ms"] = times[(int)(0.99 * (times.Length - 1))],
            ["max_ms"] = times[^1],
        };
    }

    private static double[] Times(int calls, Action call)
    {
        var times = new double[calls];
        for (var i = 0; i < calls; i++)
        {
            var start = Stopwatch.GetTimestamp();
            call();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        return times;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>Frames per second over <paramref name="count"/> streams, each a thread with its own frame and tracker.</summary>
    private static double Streams(ExpressionPipeline pipeline, Mat frame, int count)
    {
        using var start = new Barrier(count + 1);
        var frames = new long[count];
        var stop = false;
        var threads = Enumerable.Range(0, count).Select(i => new Thread(() =>
        {
            using var own = frame.Clone();
            var tracker = new ExpressionTracker();
            start.SignalAndWait();
            while (!Volatile.Read(ref stop))
            {
                tracker.Update(pipeline.Classify(own));
                frames[i]++;
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        start.SignalAndWait();
        var clock = Stopwatch.StartNew();
        Thread.Sleep(StreamDuration);
        Volatile.Write(ref stop, true);
        threads.ForEach(t => t.Join());
        return frames.Sum() / clock.Elapsed.TotalSeconds;
    }

    private static void FineTunes(YuNetFaceDetector detector, ExpressionModel model, Dictionary<string, object> result)
    {
        var personalizer = new Personalizer(detector, model, generalFaces: null);
        var crops = FineTuneSamples.FaceCrops();
        var frames = FineTuneSamples.WholeFrames();
        for (var i = 0; i < FineTuneWarmUps; i++)
        {
            personalizer.FineTune(crops).Profile.Dispose();
            personalizer.FineTune(frames).Profile.Dispose();
        }

        result["finetune_crops_ms"] = Median(Times(FineTuneRuns, () => personalizer.FineTune(crops).Profile.Dispose()));
        result["finetune_frames_ms"] = Median(Times(FineTuneRuns, () => personalizer.FineTune(frames).Profile.Dispose()));
        using (BusyProcess.Start())
        {
            result["finetune_crops_contended_ms"] = Median(Times(FineTuneRuns, () => personalizer.FineTune(crops).Profile.Dispose()));
        }

        // The parts: the features of 35 crops and their mirror images, and the head's training on them.
        var pixels = crops.SelectMany(c => c.Image.Pixels.ToArray()).ToArray();
        var labels = crops.Select(c => c.Label).ToList();
        result["features_crops_ms"] = Median(Times(FineTuneRuns, () => model.ExtractFeatures(pixels, labels, addMirrored: true)));
        var features = model.ExtractFeatures(pixels, labels, addMirrored: true);
        result["head_training_ms"] = Median(Times(FineTuneRuns, () => PersonalHead.Train(model, features, model.GeneralReplay).Dispose()));
    }
}
