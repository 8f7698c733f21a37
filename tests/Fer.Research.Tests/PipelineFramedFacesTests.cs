using OpenCvSharp;
using PersonalFer.Data;
using PersonalFer.Detection;
using PersonalFer.Tests;

namespace PersonalFer.Research.Tests;

public sealed class PipelineFramedFacesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("reframe-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Training_faces_come_as_they_are_then_framed_by_the_pipeline_with_the_originals_paired_row_for_row()
    {
        // Training: the astronaut's face as FER2013 would crop it, mirrored, and two made faces.
        using var photo = TestPhotos.Astronaut();
        using var detector = new YuNetFaceDetector();
        var face = FacePreprocessor.Extract(photo, Assert.Single(detector.Detect(photo)), FaceFraming.DetectorBox);
        using var faceMat = Mat.FromPixelData(FaceImage.Size, FaceImage.Size, MatType.CV_8UC1, face);
        using var mirrored = faceMat.Flip(FlipMode.Y);
        mirrored.GetArray(out byte[] mirroredFace);
        var made = TestFaces.Make(2, seed: 5);
        var tests = TestFaces.Make(3, seed: 6);
        var source = Path.Combine(_directory, "fer2013.csv");
        File.WriteAllLines(source,
        [
            "emotion,pixels,Usage",
            Row(Expression.Happy, face, "Training"),
            Row(Expression.Happy, mirroredFace, "Training"),
            .. Enumerable.Range(0, made.Count).Select(i => Row(made.Labels[i], made.Image(i), "Training")),
            .. Enumerable.Range(0, tests.Count).Select(i => Row(tests.Labels[i], tests.Image(i), i == 0 ? "PublicTest" : "PrivateTest")),
        ]);
        var data = Fer2013.Load(source);
        var trainingPath = Path.Combine(_directory, "framed.csv.gz");
        var pairedPath = Path.Combine(_directory, "paired.csv.gz");

        var counts = PipelineFramedFaces.Write(data, FaceFraming.DetectorBox, detector, trainingPath, pairedPath, seed: 1);

        Assert.Equal(4, counts.Replicated + counts.Black + counts.NotFound);
        Assert.True(counts.Replicated + counts.Black >= 2, $"the detector found only {counts.Replicated + counts.Black} of the astronaut's two faces");
        var framed = Fer2013.Load(trainingPath);
        var paired = Fer2013.Load(pairedPath);
        Assert.Equal(["fer2013.csv", "framed.csv.gz", "paired.csv.gz"], Directory.GetFiles(_directory).Select(Path.GetFileName).Order());
        Assert.Equal(8, framed.Training.Count);
        Assert.Equal([.. data.Training.Labels, .. data.Training.Labels], framed.Training.Labels);
        Assert.Equal([.. data.Training.Labels, .. data.Training.Labels], paired.Training.Labels);
        Assert.Equal([.. data.Training.Pixels, .. data.Training.Pixels], paired.Training.Pixels.ToArray());
        Assert.Equal(data.Training.Pixels.ToArray(), framed.Training.Pixels[..data.Training.Pixels.Length].ToArray());
        var keptAsTheyAre = 0;
        for (var i = 0; i < data.Training.Count; i++)
        {
            var original = data.Training.Image(i).ToArray();
            var reframed = framed.Training.Image(data.Training.Count + i).ToArray();
            keptAsTheyAre += original.AsSpan().SequenceEqual(reframed) ? 1 : 0;
            if (i < 2)
            {
                // The same face, framed by the detector's box instead of the crop it came as: close, not identical.
                Assert.InRange(original.Zip(reframed).Average(p => Math.Abs(p.First - p.Second)), 0.5, 25);
            }
        }

        Assert.Equal(counts.NotFound, keptAsTheyAre);

        foreach (var file in new[] { framed, paired })
        {
            Assert.Equal(data.PublicTest.Pixels.ToArray(), file.PublicTest.Pixels.ToArray());
            Assert.Equal(data.PrivateTest.Pixels.ToArray(), file.PrivateTest.Pixels.ToArray());
        }
    }

    private static string Row(Expression label, ReadOnlySpan<byte> pixels, string usage) =>
        $"{(int)label},{string.Join(' ', pixels.ToArray())},{usage}";
}
