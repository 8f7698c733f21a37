using System.Diagnostics;
using System.Text.Json;
using OpenCvSharp;

namespace PersonalFer.Benchmarks.Targets;

/// <summary>
/// The seed project's own stack (Python PyTorch + OpenCV Haar, <c>../shared/anchors/seed_pipeline_bench.py</c>)
/// timed on the same 640×480 frame, so targets are ratios from one run. Needs Debian's python3-torch,
/// python3-opencv and opencv-data (scripts/install-prerequisites.sh --benchmarks installs them).
/// </summary>
internal static class SeedAnchor
{
    private const string Python = "/usr/bin/python3";

    /// <summary>The anchor's JSON result: seed_frame_640x480_ms is the seed's end-to-end time for one frame.</summary>
    public static JsonElement Run(string frameFile, int threads)
    {
        var script = Path.Combine(BenchmarkData.SharedDirectory, "anchors", "seed_pipeline_bench.py");
        if (!File.Exists(script) || !File.Exists(Python))
        {
            throw new FileNotFoundException($"The seed anchor needs {script} and {Python} with python3-torch, python3-opencv and opencv-data (scripts/install-prerequisites.sh --benchmarks).");
        }

        using var process = Process.Start(new ProcessStartInfo(Python, [script, threads.ToString(System.Globalization.CultureInfo.InvariantCulture), frameFile])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The seed anchor failed with exit code {process.ExitCode}.");
        }

        return JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement.Clone();
    }

    /// <summary>Writes the benchmark's 640×480 frame to a PNG file for the anchor to read.</summary>
    public static string WriteFrame()
    {
        var path = Path.Combine(Path.GetTempPath(), "personalfer-benchmark-frame.png");
        using var frame = RealFrame.Create640x480();
        Cv2.ImWrite(path, frame);
        return path;
    }
}
