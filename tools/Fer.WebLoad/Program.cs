using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using OpenCvSharp;
using PersonalFer.WebLoad;

// A bounded load test of samples/Fer.Web on loopback: N clients send a clip's frames (downscaled JPEGs, as the page
// sends them) for a fixed time; prints latency percentiles, frames answered and dropped, and the server's memory and
// CPU before and after. It talks only to the --url given, which must be a loopback address.
var settings = new Dictionary<string, string>(StringComparer.Ordinal)
{
    ["--url"] = "ws://127.0.0.1:5080/ws",
    ["--clip"] = "../shared/media/short_hamilton_clip.mp4",
    ["--clients"] = "8",
    ["--seconds"] = "60",
    ["--fps"] = "12",
    ["--width"] = "320",
};
for (var i = 0; i + 1 < args.Length; i += 2)
{
    if (!settings.ContainsKey(args[i]))
    {
        Console.Error.WriteLine($"Unknown option {args[i]}; options: {string.Join(", ", settings.Keys)}");
        return 2;
    }

    settings[args[i]] = args[i + 1];
}

var address = new Uri(settings["--url"]);
if (!address.IsLoopback)
{
    Console.Error.WriteLine($"{address} is not a loopback address: this load test only targets a server on this machine.");
    return 2;
}

var clients = int.Parse(settings["--clients"], CultureInfo.InvariantCulture);
var duration = TimeSpan.FromSeconds(double.Parse(settings["--seconds"], CultureInfo.InvariantCulture));
var fps = double.Parse(settings["--fps"], CultureInfo.InvariantCulture);
var frames = ReadClip(settings["--clip"], int.Parse(settings["--width"], CultureInfo.InvariantCulture));
using var http = new HttpClient { BaseAddress = new Uri($"http://{address.Authority}/") };

var before = await http.GetFromJsonAsync<JsonElement>("api/stats");
var load = Enumerable.Range(0, clients).Select(i => new LoadClient(address, frames, fps, i * frames.Count / clients)).ToArray();
using var stop = new CancellationTokenSource(duration + TimeSpan.FromSeconds(30));
await Task.WhenAll(load.Select(c => c.RunAsync(duration, stop.Token)));
var during = await http.GetFromJsonAsync<JsonElement>("api/stats");
await Task.Delay(TimeSpan.FromSeconds(5)); // the server releases the connections
var after = await http.GetFromJsonAsync<JsonElement>("api/stats");

var latencies = load.SelectMany(c => c.LatenciesMs).Order().ToArray();
var sent = load.Sum(c => c.Sent);
var answered = load.Sum(c => c.Answered);
var classified = during.GetProperty("framesClassified").GetInt64() - before.GetProperty("framesClassified").GetInt64();
var cpu = during.GetProperty("cpuSeconds").GetDouble() - before.GetProperty("cpuSeconds").GetDouble();
Console.WriteLine($"{clients} clients × {fps} frames/s × {duration.TotalSeconds:F0} s, {frames.Count} clip frames at {settings["--width"]} px wide ({frames.Average(f => f.Length) / 1024:F1} KB each)");
Console.WriteLine($"sent {sent}, answered {answered} ({answered / duration.TotalSeconds:F1} frames/s), dropped by the server {load.Sum(c => c.Dropped)} ({100.0 * load.Sum(c => c.Dropped) / sent:F1} %), rejected {load.Sum(c => c.Rejected)}");
Console.WriteLine($"latency per answered frame (send → result): p50 {Percentile(latencies, 0.50):F0} ms, p95 {Percentile(latencies, 0.95):F0} ms, p99 {Percentile(latencies, 0.99):F0} ms, max {latencies.LastOrDefault():F0} ms");
Console.WriteLine($"server: {classified} frames classified on {cpu:F1} CPU seconds = {classified / cpu:F1} frames per CPU second");
Console.WriteLine($"server RSS: before {Mb(before)} MB, at the end of the load {Mb(during)} MB, 5 s after the clients left {Mb(after)} MB; connections after: {after.GetProperty("connections").GetInt32()}");
return 0;

static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

static string Mb(JsonElement stats) => (stats.GetProperty("residentBytes").GetInt64() / 1048576.0).ToString("F0", CultureInfo.InvariantCulture);

static List<byte[]> ReadClip(string path, int width)
{
    using var capture = new VideoCapture(path);
    if (!capture.IsOpened())
    {
        throw new FileNotFoundException($"{path}: not a video OpenCV can open.", path);
    }

    var frames = new List<byte[]>();
    using var frame = new Mat();
    var quality = new ImageEncodingParam(ImwriteFlags.JpegQuality, 70); // the page's JPEG quality
    while (capture.Read(frame) && !frame.Empty())
    {
        using var small = frame.Resize(new Size(width, frame.Rows * width / frame.Cols));
        frames.Add(small.ImEncode(".jpg", quality));
    }

    return frames;
}
