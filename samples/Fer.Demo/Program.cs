// Fer.Demo: the README's main job. Finds every face in an image, a video file or a webcam, classifies its
// expression with the shipped general model (or a profile), and writes an annotated image/video plus the
// predictions per frame and face as JSON and CSV.
//   Fer.Demo [input] [--out <dir>] [--model default|<file>] [--profile <file>] [--camera <index>] [--max-frames N] [--batch]
using System.CommandLine;
using PersonalFer.Demo;
using PersonalFer.Samples;

var input = new Argument<string?>("input") { Description = "An image or video file (default: the bundled public-domain photo)", Arity = ArgumentArity.ZeroOrOne };
var output = new Option<string>("--out") { Description = "Folder for the annotated image/video and the predictions", DefaultValueFactory = _ => "demo-output" };
var model = new Option<string>("--model") { Description = "The general model: 'default' (shipped) or a .fermodel file", DefaultValueFactory = _ => "default" };
var profile = new Option<string?>("--profile") { Description = "A personal profile (.ferprofile) to classify with" };
var camera = new Option<int?>("--camera") { Description = "Read this webcam (e.g. 0) instead of a file" };
var maxFrames = new Option<int?>("--max-frames") { Description = "Stop after this many video frames" };
var noSmoothing = new Option<bool>("--no-smoothing") { Description = "Report each video frame's raw prediction (default: smoothed per tracked face)" };
var detectionSide = new Option<int?>("--detection-side") { Description = "Detect faces on frames shrunk to this many pixels (default 160, fast; 320 also finds small or distant faces)" };
var batch = new Option<bool>("--batch") { Description = "Process a video file using every core: several frames are classified at once while the next are decoded (output unchanged, in frame order)" };
var root = new RootCommand("Detect faces and classify their expressions in an image, a video or a webcam stream.")
{
    input, output, model, profile, camera, maxFrames, noSmoothing, detectionSide, batch,
};
root.SetAction(result => DemoRun.Execute(new DemoSettings(
    result.GetValue(camera) is { } index ? null : result.GetValue(input) ?? Path.Combine(AppContext.BaseDirectory, "media", "astronaut.png"),
    result.GetValue(camera),
    result.GetValue(output)!,
    result.GetValue(model)!,
    result.GetValue(profile),
    result.GetValue(maxFrames),
    !result.GetValue(noSmoothing),
    result.GetValue(detectionSide),
    result.GetValue(batch))));
return CommandLineErrors.Invoke(root, args);
