using System.IO.Compression;
using PersonalFer.Data;
using PersonalFer.Detection;
using PersonalFer.Train;

namespace PersonalFer.Research;

/// <summary>
/// FER2013's Training faces as <c>Classify</c> feeds them to the network, for fine-tuning a model on them: each face
/// made a frame (<see cref="PipelineEvaluation.Frame"/>, replicated edges or black, half each), detected, and cropped
/// with the model's framing. The training file holds the original faces, then each face re-framed (the original where
/// the detector finds none); the paired file holds the originals twice, row for row, so that a teacher
/// (<c>train --teacher-data</c>) sees each face as FER2013 crops it. PublicTest and PrivateTest are copied unchanged.
/// </summary>
internal static class PipelineFramedFaces
{
    /// <summary>How many Training faces were re-framed with each padding, and how many were kept as they are.</summary>
    public sealed record Counts(int Replicated, int Black, int NotFound);

    public static Counts Write(Fer2013Data data, FaceFraming framing, IFaceDetector detector, string trainingPath, string pairedPath, int seed)
    {
        var random = new Random(seed);
        var reframed = new byte[data.Training.Count * FaceImage.PixelCount];
        int replicated = 0, black = 0, notFound = 0;
        for (var i = 0; i < data.Training.Count; i++)
        {
            var padding = random.NextDouble() < 0.5 ? FramePadding.Replicate : FramePadding.Black;
            var destination = reframed.AsSpan(i * FaceImage.PixelCount, FaceImage.PixelCount);
            using var frame = PipelineEvaluation.Frame(data.Training.Image(i), padding);
            if (detector.Detect(frame) is { Count: > 0 } faces)
            {
                FacePreprocessor.Extract(frame, faces.MaxBy(f => (long)f.Box.Width * f.Box.Height)!, framing, destination);
                _ = padding == FramePadding.Black ? black++ : replicated++;
            }
            else
            {
                data.Training.Image(i).CopyTo(destination);
                notFound++;
            }
        }

        WriteCsv(trainingPath, data, data.Training.Pixels, reframed);
        WriteCsv(pairedPath, data, data.Training.Pixels, data.Training.Pixels);
        return new Counts(replicated, black, notFound);
    }

    private static void WriteCsv(string path, Fer2013Data data, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        var temporary = path + ".partial";
        try
        {
            using (var file = File.Create(temporary))
            using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
            using (var writer = new StreamWriter(gzip))
            {
                writer.Write("emotion,pixels,Usage\n");
                WriteRows(writer, data.Training.Labels, first, Fer2013Split.Training);
                WriteRows(writer, data.Training.Labels, second, Fer2013Split.Training);
                WriteRows(writer, data.PublicTest.Labels, data.PublicTest.Pixels, Fer2013Split.PublicTest);
                WriteRows(writer, data.PrivateTest.Labels, data.PrivateTest.Pixels, Fer2013Split.PrivateTest);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private static void WriteRows(StreamWriter writer, IReadOnlyList<Expression> labels, ReadOnlySpan<byte> pixels, Fer2013Split split)
    {
        var line = new System.Text.StringBuilder();
        for (var i = 0; i < labels.Count; i++)
        {
            line.Clear().Append((int)labels[i]).Append(',');
            var face = pixels.Slice(i * FaceImage.PixelCount, FaceImage.PixelCount);
            for (var p = 0; p < face.Length; p++)
            {
                if (p > 0)
                {
                    line.Append(' ');
                }

                line.Append(face[p]);
            }

            writer.Write(line.Append(',').Append(split).Append('\n'));
        }
    }
}
