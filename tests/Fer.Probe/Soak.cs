using System.Diagnostics;
using PersonalFer.Data;
using PersonalFer.Detection;
using PersonalFer.Model;
using PersonalFer.Tests;

namespace PersonalFer.Probe;

/// <summary>
/// Long runs with the shipped model that print the process's resident memory as they go: <c>Classify</c> on the
/// bundled photo, then <c>FineTune</c> on variations of it. Flat figures after warm-up mean nothing leaks.
/// </summary>
internal static class Soak
{
    private const int Reports = 10;

    public static void Run(int classifyCalls, int fineTunes)
    {
        using var detector = new YuNetFaceDetector();
        using var model = ExpressionModel.LoadDefault();
        var pipeline = new ExpressionPipeline(detector, model);
        var personalizer = new Personalizer(detector, model, generalFaces: null);
        using var photo = TestPhotos.Astronaut();
        var frame = TestPhotos.ToImageData(photo);
        var samples = Enumerable.Range(0, TestPhotos.VariantCount).Select(i =>
        {
            using var variant = TestPhotos.Variant(i);
            return new LabelledImage(TestPhotos.ToImageData(variant), (Expression)(i % Expressions.Count), $"variant-{i}");
        }).ToList();

        Console.WriteLine($"CPU: {Environment.ProcessorCount} cores; model precision {model.Precision}");
        Console.WriteLine("| calls | RSS (MiB) | managed heap (MiB) | mean ms per call since last row |");
        Console.WriteLine("| ---: | ---: | ---: | ---: |");
        Measure("Classify", classifyCalls, () => _ = pipeline.Classify(frame));
        Measure("FineTune", fineTunes, () => personalizer.FineTune(samples, "soak").Profile.Dispose());
    }

    private static void Measure(string what, int calls, Action call)
    {
        var every = Math.Max(1, calls / Reports);
        Row(what, 0, 0);
        var watch = Stopwatch.StartNew();
        for (var i = 1; i <= calls; i++)
        {
            call();
            if (i % every == 0 || i == calls)
            {
                var mean = watch.Elapsed.TotalMilliseconds / (i % every == 0 ? every : i % every);
                Row(what, i, mean);
                watch.Restart();
            }
        }
    }

    private static void Row(string what, int calls, double meanMilliseconds)
    {
        // Garbage not yet collected is not a leak: measure what is still referenced (finalizers free native memory).
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        Console.WriteLine($"| {what} {calls:N0} | {process.WorkingSet64 / 1048576.0:F0} | {GC.GetTotalMemory(false) / 1048576.0:F0} | {(calls == 0 ? "–" : meanMilliseconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture))} |");
    }
}
