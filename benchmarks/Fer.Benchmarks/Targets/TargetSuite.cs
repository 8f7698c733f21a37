using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace PersonalFer.Benchmarks.Targets;

/// <summary>
/// Measures every target of docs/BENCHMARKS.md in one run, beside the seed's anchor from the same run, and prints
/// them as Markdown: the machine, then one row per target and configuration. Two configurations, each in a process
/// of its own: this CPU as it is, and AVX2 only — oneDNN and ATen capped to AVX2 by their environment variables,
/// which also makes the model default to float32 (no native bfloat16), as on a CPU without AVX-512.
/// </summary>
internal static class TargetSuite
{
    private static readonly (string Name, Dictionary<string, string> Environment)[] Configurations =
    [
        ("native", []),
        ("AVX2 (emulated)", new() { ["ONEDNN_MAX_CPU_ISA"] = "AVX2", ["ATEN_CPU_CAPABILITY"] = "avx2" }),
    ];

    // A cold start varies from process to process (disk cache, what else runs): the row is the median of these.
    private const int ColdStarts = 5;

    public static int Run()
    {
        var loadBefore = LoadAverage();
        var frameFile = SeedAnchor.WriteFrame();
        var seed = SeedAnchor.Run(frameFile, threads: 2);
        double seedContended;
        using (BusyProcess.Start())
        {
            seedContended = SeedAnchor.Run(frameFile, threads: 2).GetProperty("seed_frame_640x480_ms").GetDouble();
        }

        var seedFrame = seed.GetProperty("seed_frame_640x480_ms").GetDouble();
        var measured = Configurations.Select(c => (c.Name, Result: Measure(c.Environment, "measure"), Cold: Enumerable.Range(0, ColdStarts).Select(_ => Measure(c.Environment, "measure-cold")).ToList())).ToList();

        Console.WriteLine($"Machine: {CpuModel()}, {Environment.ProcessorCount} cores; flags: {CpuFlags()}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; .NET {Environment.Version}; load average before {loadBefore}, after {LoadAverage()}");
        Console.WriteLine($"Seed anchor (Python PyTorch {seed.GetProperty("torch")}, OpenCV {seed.GetProperty("opencv")} Haar, same frame): {Ms(seedFrame)} quiet, {Ms(seedContended)} beside a busy process; {seed.GetProperty("faces_found")} face(s) found");
        Console.WriteLine();
        Console.WriteLine("| target | configuration | measured | goal | met |");
        Console.WriteLine("| --- | --- | ---: | ---: | :---: |");
        foreach (var (name, r, coldRuns) in measured)
        {
            var precision = r.GetProperty("precision").GetString();
            var configuration = $"{name}, {precision}";
            var quiet = r.GetProperty("quiet");
            var contended = r.GetProperty("contended");
            var median = quiet.GetProperty("median_ms").GetDouble();
            var goal = precision == "BFloat16" ? 3 : seedFrame / 50;
            Row("1. `Classify` 640×480, one face: median", configuration, Ms(median), $"≤ {Ms(goal)}{(precision == "BFloat16" ? "" : " (seed ÷ 50)")}", median <= goal);
            Row("   p95 / max, quiet; detection, network", configuration,
                $"{Ms(quiet.GetProperty("p95_ms").GetDouble())} / {Ms(quiet.GetProperty("max_ms").GetDouble())}; {Ms(r.GetProperty("detect_ms").GetDouble())}, {Ms(r.GetProperty("network_ms").GetDouble())}", "", null);
            var p95 = contended.GetProperty("p95_ms").GetDouble();
            var max = contended.GetProperty("max_ms").GetDouble();
            Row("2. beside a busy process: median / p95", configuration, $"{Ms(contended.GetProperty("median_ms").GetDouble())} / {Ms(p95)} ({p95 / median:F1}× quiet median)", "p95 ≤ 2×", p95 <= 2 * median);
            Row("   every call (max)", configuration, $"{Ms(max)} ({max / median:F1}×)", "≤ 10×", max <= 10 * median);
            var pool = r.GetProperty("opencv_pool_quiet");
            var poolMedian = pool.GetProperty("median_ms").GetDouble();
            var poolContended = r.GetProperty("opencv_pool_contended");
            var poolP95 = poolContended.GetProperty("p95_ms").GetDouble();
            var poolMax = poolContended.GetProperty("max_ms").GetDouble();
            Row("   for comparison, detection on OpenCV's pool (`UseOpenCvThreadPool`): quiet median; beside a busy process p95 / max", configuration,
                $"{Ms(poolMedian)}; {Ms(poolP95)} / {Ms(poolMax)} ({poolP95 / poolMedian:F1}× / {poolMax / poolMedian:F1}×)", "", null);
            var allQuiet = r.GetProperty("all_cores_quiet");
            var allContended = r.GetProperty("all_cores_contended");
            Row("   for comparison, every call on every core (`FacesPerThread = 0`): median; p95 / max beside a busy process", configuration,
                $"{Ms(allQuiet.GetProperty("median_ms").GetDouble())}; {Ms(allContended.GetProperty("p95_ms").GetDouble())} / {Ms(allContended.GetProperty("max_ms").GetDouble())}", "", null);
            var streams = r.GetProperty("streams");
            var one = streams.GetProperty("1").GetDouble();
            Row("3. frames/s with 1, 2, 4, 8 streams", configuration,
                string.Join(", ", new[] { "1", "2", "4", "8" }.Select(n => streams.GetProperty(n).GetDouble().ToString("F0", CultureInfo.InvariantCulture)))
                + $" (×{streams.GetProperty("2").GetDouble() / one:F2} at 2)", $"→ ×{Environment.ProcessorCount}", null);
            var crops = r.GetProperty("finetune_crops_ms").GetDouble();
            var frames = r.GetProperty("finetune_frames_ms").GetDouble();
            Row("4. `FineTune`, 35 face crops", configuration,
                $"{Ms(crops)} (features {Ms(r.GetProperty("features_crops_ms").GetDouble())}, head {Ms(r.GetProperty("head_training_ms").GetDouble())}; beside a busy process {Ms(r.GetProperty("finetune_crops_contended_ms").GetDouble())})", "≤ 500 ms", crops <= 500);
            Row("   `FineTune`, 14 frames 640×480 incl. detection", configuration, Ms(frames), "≤ 1000 ms", frames <= 1000);
            var colds = coldRuns.Select(c => c.GetProperty("cold_start_ms").GetDouble()).Order().ToList();
            var cold = colds[colds.Count / 2];
            var load = coldRuns.Select(c => c.GetProperty("cold_load_ms").GetDouble()).Order().ElementAt(colds.Count / 2);
            Row($"5. `LoadDefault()` + first `Classify`, median of {ColdStarts} fresh processes", configuration, $"{Ms(cold)} (load {Ms(load)}; range {Ms(colds[0])}–{Ms(colds[^1])})", "≤ 1000 ms", cold <= 1000);
        }

        return 0;
    }

    private static JsonElement Measure(Dictionary<string, string> environment, string mode)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!, [typeof(TargetSuite).Assembly.Location, mode])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) != "dotnet")
        {
            start.ArgumentList.RemoveAt(0); // the apphost runs the assembly itself
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The measurement process failed with exit code {process.ExitCode}.");
        }

        return JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement.Clone();
    }

    private static void Row(string target, string configuration, string measured, string goal, bool? met) =>
        Console.WriteLine($"| {target} | {configuration} | {measured} | {goal} | {(met is null ? "" : met.Value ? "yes" : "**no**")} |");

    private static string Ms(double milliseconds) => milliseconds.ToString(milliseconds < 100 ? "F2" : "F0", CultureInfo.InvariantCulture) + " ms";

    // The 1-minute load average: how busy the machine was apart from the suite.
    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";

    private static string CpuModel() => CpuInfo("model name") ?? "unknown CPU";

    private static string CpuFlags()
    {
        var flags = (CpuInfo("flags") ?? "").Split(' ');
        return string.Join(" ", flags.Where(f => f is "avx2" or "avx512f" or "avx512_vnni" or "avx512_bf16" or "amx_bf16" or "amx_tile" or "amx_int8" or "avx512_fp16"));
    }

    private static string? CpuInfo(string key) => File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
        : null;
}
