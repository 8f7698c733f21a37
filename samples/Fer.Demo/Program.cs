// Smoke demo: finds the face in a photo with OpenCV and runs it through PersonalFer's CNN.
// Usage: Fer.Demo [image]   (default: the bundled public-domain astronaut photo)
using OpenCvSharp;
using PersonalFer.Data;
using PersonalFer.Detection;
using PersonalFer.Model;

var imagePath = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "media", "astronaut.png");
using var frame = Cv2.ImRead(imagePath);
if (frame.Empty())
{
    Console.Error.WriteLine($"Could not read an image from '{imagePath}'.");
    return 1;
}

using var detector = new YuNetFaceDetector();
var faces = detector.Detect(frame);
Console.WriteLine($"{Path.GetFileName(imagePath)}: {frame.Width}x{frame.Height}, {faces.Count} face(s) found by YuNet");
if (faces.Count == 0)
{
    return 0;
}

var pixels = new byte[faces.Count * FaceImage.PixelCount];
for (var i = 0; i < faces.Count; i++)
{
    FacePreprocessor.Extract(frame, faces[i], pixels.AsSpan(i * FaceImage.PixelCount));
}

using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 42);
var probabilities = model.PredictProbabilities(pixels, faces.Count);
Console.WriteLine($"TorchSharp: {TorchRuntime.Description}");
Console.WriteLine($"CNN: {model.Architecture} network, {model.ParameterCount:N0} parameters (untrained weights until the general model ships)");
for (var i = 0; i < faces.Count; i++)
{
    var row = probabilities.AsSpan(i * Expressions.Count, Expressions.Count).ToArray();
    var best = Array.IndexOf(row, row.Max());
    Console.WriteLine($"face {i + 1} at {faces[i].Box}: {Expressions.All[best]} ({row[best]:P1}); " +
        string.Join(", ", Expressions.All.Select((e, k) => $"{e} {row[k]:F3}")));
}

return 0;
