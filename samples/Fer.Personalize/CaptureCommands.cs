using System.CommandLine;
using OpenCvSharp;
using PersonalFer.Data;
using PersonalFer.Detection;

namespace PersonalFer.Personalize;

/// <summary>
/// The seed's capture flow: prompts for each expression with a countdown, keeps frames in which a face is found,
/// and writes them as <c>&lt;out&gt;/&lt;expression&gt;/NNN.png</c> for <c>enroll</c>; and <c>live</c>, which
/// classifies a stream with the general model and a profile side by side.
/// </summary>
internal static class CaptureCommands
{
    private static readonly Option<int?> CameraOption = new("--camera") { Description = "Webcam index (e.g. 0)" };
    private static readonly Option<string?> VideoOption = new("--video") { Description = "A video file instead of a webcam" };

    public static Command Capture()
    {
        var output = new Option<string>("--out") { Description = "Folder to write <expression>/NNN.png into", Required = true };
        var perExpression = new Option<int>("--per-expression") { Description = "Frames kept per expression", DefaultValueFactory = _ => 5 };
        var countdown = new Option<int>("--countdown") { Description = "Seconds to get ready before each expression", DefaultValueFactory = _ => 3 };
        var gap = new Option<double>("--gap") { Description = "Seconds between kept frames (so they differ)", DefaultValueFactory = _ => 0.5 };
        var command = new Command("capture", "Prompt for each expression and save frames with a face, ready for `enroll`.")
        {
            CameraOption, VideoOption, output, perExpression, countdown, gap,
        };
        command.SetAction(result =>
        {
            using var capture = Open(result);
            if (capture is null)
            {
                return 1;
            }

            using var detector = new YuNetFaceDetector();
            var live = result.GetValue(VideoOption) is null;
            using var frame = new Mat();
            foreach (var expression in Expressions.All)
            {
                var folder = Directory.CreateDirectory(Path.Combine(result.GetValue(output)!, expression.ToString().ToLowerInvariant())).FullName;
                Console.WriteLine($"Next: {expression.ToString().ToUpperInvariant()}. Show it and hold it.");
                if (live)
                {
                    for (var second = result.GetValue(countdown); second > 0; second--)
                    {
                        Console.Write($"{second}… ");
                        Drain(capture, frame, TimeSpan.FromSeconds(1));
                    }

                    Console.WriteLine("now!");
                }

                var kept = 0;
                var lastKept = DateTime.MinValue;
                var framesSinceKept = 0;
                while (kept < result.GetValue(perExpression) && capture.Read(frame) && !frame.Empty())
                {
                    // A webcam is paced by the clock; a video file by its frame rate.
                    var spaced = live
                        ? DateTime.UtcNow - lastKept >= TimeSpan.FromSeconds(result.GetValue(gap))
                        : ++framesSinceKept >= Math.Max(1, (int)(result.GetValue(gap) * (capture.Fps > 0 ? capture.Fps : 30)));
                    if (!spaced || detector.Detect(frame).Count == 0)
                    {
                        continue;
                    }

                    var path = Path.Combine(folder, $"{kept:D3}.png");
                    Cv2.ImWrite(path, frame);
                    kept++;
                    lastKept = DateTime.UtcNow;
                    framesSinceKept = 0;
                    Console.WriteLine($"  kept {path}");
                }

                if (kept < result.GetValue(perExpression))
                {
                    Console.Error.WriteLine($"The stream ended with {kept} {expression} frame(s) kept.");
                    return 1;
                }
            }

            Console.WriteLine($"Done. Next: Fer.Personalize enroll --folder {result.GetValue(output)} --out me.ferprofile");
            return 0;
        });
        return command;
    }

    public static Command Live()
    {
        var profilePath = new Option<string>("--profile") { Description = "The profile to classify with", Required = true };
        var maxFrames = new Option<int?>("--max-frames") { Description = "Stop after this many frames" };
        var command = new Command("live", "Classify a webcam or video with the general model and a profile side by side (Ctrl+C stops).")
        {
            CameraOption, VideoOption, PersonalizeCommands.ModelOption, profilePath, maxFrames,
        };
        command.SetAction(result =>
        {
            using var capture = Open(result);
            if (capture is null)
            {
                return 1;
            }

            using var session = Session.Open(result.GetValue(PersonalizeCommands.ModelOption)!, generalPath: null);
            using var profile = PersonalProfile.Load(result.GetValue(profilePath)!, session.Model);
            var generalTracker = new ExpressionTracker();
            var personalTracker = new ExpressionTracker();
            var stop = false;
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop = true; };
            using var frame = new Mat();
            var index = 0;
            while (!stop && index < (result.GetValue(maxFrames) ?? int.MaxValue) && capture.Read(frame) && !frame.Empty())
            {
                var general = generalTracker.Update(session.Pipeline.Classify(frame));
                var personal = personalTracker.Update(session.Pipeline.Classify(frame, profile));
                if (index++ % 15 == 0)
                {
                    Console.WriteLine($"frame {index}: " + (personal.Count == 0 ? "no face" : string.Join("; ", personal.Zip(general,
                        (p, g) => $"#{p.TrackId} {profile.Name}: {p.Expression} {p.Confidence:P0} (general: {g.Expression} {g.Confidence:P0})"))));
                }
            }

            return 0;
        });
        return command;
    }

    private static VideoCapture? Open(ParseResult result)
    {
        var video = result.GetValue(VideoOption);
        var camera = result.GetValue(CameraOption);
        if ((video is null) == (camera is null))
        {
            Console.Error.WriteLine("Give exactly one of --camera <index> or --video <file>.");
            return null;
        }

        var capture = video is null ? new VideoCapture(camera!.Value) : new VideoCapture(video);
        if (!capture.IsOpened())
        {
            Console.Error.WriteLine(video is null ? $"Could not open webcam {camera}." : $"OpenCV could not open the video {video}.");
            capture.Dispose();
            return null;
        }

        return capture;
    }

    // Keeps a webcam's buffer fresh while the user gets ready, so the first kept frame is current.
    private static void Drain(VideoCapture capture, Mat frame, TimeSpan duration)
    {
        var until = DateTime.UtcNow + duration;
        while (DateTime.UtcNow < until && capture.Read(frame))
        {
        }
    }
}
