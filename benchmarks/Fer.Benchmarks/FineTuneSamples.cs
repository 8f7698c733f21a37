using OpenCvSharp;
using PersonalFer.Data;

namespace PersonalFer.Benchmarks;

/// <summary>The samples the FineTune benchmarks personalize on.</summary>
internal static class FineTuneSamples
{
    /// <summary>35 FER2013 Training face crops, the first 5 of each expression.</summary>
    public static LabelledImages FaceCrops()
    {
        var training = Fer2013.Load(BenchmarkData.Fer2013Path).Training;
        return new LabelledImages(Expressions.All.SelectMany(expression =>
            Enumerable.Range(0, training.Count).Where(i => training.Labels[i] == expression).Take(5).Select(i =>
                new LabelledImage(new ImageData(training.Image(i).ToArray(), FaceImage.Size, FaceImage.Size, PixelFormat.Gray8), expression, $"fer2013-train-{i}", IsFaceCrop: true))));
    }

    /// <summary>
    /// 14 whole 640×480 frames, 2 per expression, the detector finding the face in each: the bundled photo at 14
    /// sizes and places on a grey canvas (the labels only matter to the training, not to its speed).
    /// </summary>
    public static LabelledImages WholeFrames()
    {
        using var photo = Cv2.ImRead(RealFrame.PhotoPath);
        return new LabelledImages(Enumerable.Range(0, 14).Select(i =>
        {
            var side = 240 + (i * 17);
            using var frame = new Mat(480, 640, MatType.CV_8UC3, Scalar.All(128));
            using var scaled = photo.Resize(new Size(side, side), interpolation: InterpolationFlags.Area);
            using var target = frame[new Rect((640 - side) * i / 13, 480 - side, side, side)];
            scaled.CopyTo(target);
            Cv2.ImEncode(".png", frame, out var png);
            return new LabelledImage(ImageData.Decode(png), Expressions.All[i % Expressions.Count], $"frame-{i}");
        }));
    }
}
