using System.Diagnostics;
using System.Globalization;
using PersonalFer.Detection;
using PersonalFer.Model;
using PersonalFer.Tests;

namespace PersonalFer.Probe;

/// <summary>
/// What a host's first request costs, with and without <see cref="ExpressionPipeline.WarmAsync"/>. A first call
/// happens once per process, so each mode runs in a process of its own: it loads the shipped model, warms the
/// pipeline or not, then times the first <c>Classify</c> of the bundled photo and the median of the next ones.
/// </summary>
internal static class WarmUp
{
    private const int LaterCalls = 50;

    public static void Run(bool warm)
    {
        var watch = Stopwatch.StartNew();
        using var detector = new YuNetFaceDetector();
        using var model = ExpressionModel.LoadDefault();
        var pipeline = new ExpressionPipeline(detector, model);
        var load = watch.Elapsed.TotalMilliseconds;
        using var photo = TestPhotos.Astronaut();

        watch.Restart();
        if (warm)
        {
            pipeline.WarmAsync(photo.Width, photo.Height).GetAwaiter().GetResult();
        }

        var warmUp = watch.Elapsed.TotalMilliseconds;
        watch.Restart();
        _ = pipeline.Classify(photo);
        var first = watch.Elapsed.TotalMilliseconds;
        var later = new double[LaterCalls];
        for (var i = 0; i < later.Length; i++)
        {
            watch.Restart();
            _ = pipeline.Classify(photo);
            later[i] = watch.Elapsed.TotalMilliseconds;
        }

        Array.Sort(later);
        string Ms(double value) => value.ToString("F1", CultureInfo.InvariantCulture);
        Console.WriteLine($"| {(warm ? "WarmAsync" : "none")} | {Ms(load)} | {(warm ? Ms(warmUp) : "–")} | {Ms(first)} | {Ms(later[LaterCalls / 2])} |");
    }
}
