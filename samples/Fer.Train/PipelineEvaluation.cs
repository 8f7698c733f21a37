using System.Globalization;
using OpenCvSharp;
using PersonalFer.Data;
using PersonalFer.Detection;
using PersonalFer.Model;
using Spectre.Console;

namespace PersonalFer.Train;

/// <summary>
/// Accuracy the way users meet it: whole frames through <see cref="ExpressionPipeline.Classify(Mat, PersonalProfile?)"/>
/// (detection, the model's framing, classification), next to the same faces fed straight into the model.
/// </summary>
internal static class PipelineEvaluation
{
    /// <summary>FER2013 faces are upscaled this many times (cubic) so the detector sees a face of camera size.</summary>
    public const int Upscale = 4;

    /// <summary>Labelled photos (jaffe-dev style): a manifest with these columns, relative paths in the first.</summary>
    private const string ManifestFile = "manifest.csv";

    /// <summary>
    /// Each face becomes a frame: upscaled <see cref="Upscale"/> times, then padded by half its new side on every
    /// side (replicating its edge pixels, or black), so that the detector has to find it.
    /// </summary>
    public static Mat Frame(ReadOnlySpan<byte> face, FramePadding padding)
    {
        using var small = Mat.FromPixelData(FaceImage.Size, FaceImage.Size, MatType.CV_8UC1, face.ToArray());
        using var large = small.Resize(new OpenCvSharp.Size(FaceImage.Size * Upscale, FaceImage.Size * Upscale), interpolation: InterpolationFlags.Cubic);
        var border = FaceImage.Size * Upscale / 2;
        var frame = new Mat();
        Cv2.CopyMakeBorder(large, frame, border, border, border, border, padding == FramePadding.Black ? BorderTypes.Constant : BorderTypes.Replicate, Scalar.All(0));
        return frame;
    }

    /// <summary>
    /// FER2013 faces through the pipeline (the largest face of each frame) against the same faces straight in,
    /// on the faces the detector finds.
    /// </summary>
    public static void EvaluateFaces(ExpressionModel model, FaceDataset faces, FramePadding padding, string title, string? jsonPath)
    {
        using var detector = new YuNetFaceDetector();
        var pipeline = new ExpressionPipeline(detector, model);
        var found = new List<int>();
        var throughPipeline = new List<Expression>();
        for (var i = 0; i < faces.Count; i++)
        {
            using var frame = Frame(faces.Image(i), padding);
            if (pipeline.Classify(frame) is { Count: > 0 } results)
            {
                found.Add(i);
                throughPipeline.Add(results[0].Expression);
            }
        }

        if (found.Count == 0)
        {
            throw new InvalidOperationException($"{title}: the detector found no face in any of the {faces.Count} frames.");
        }

        var foundFaces = faces.Select([.. found]);
        var straight = Evaluator.Evaluate(model, foundFaces);
        var pipelineResult = EvaluationResult.FromPredictions(foundFaces.Labels, throughPipeline);
        Print(straight, pipelineResult, $"{title}: faces found in {found.Count} of {faces.Count} frames ({padding} padding, {model.Precision}, framing: {model.Framing})");
        if (jsonPath is not null)
        {
            Report.WriteJson(new Dictionary<string, object>
            {
                ["frames"] = faces.Count,
                ["facesFound"] = found.Count,
                ["padding"] = padding.ToString(),
                ["framing"] = model.Framing,
                ["straight"] = Report.Summary(straight),
                ["throughPipeline"] = Report.Summary(pipelineResult),
            }, jsonPath);
        }
    }

    /// <summary>Labelled photos through the pipeline (the largest face of each), e.g. jaffe-dev's whole images.</summary>
    public static void EvaluatePhotos(ExpressionModel model, string folder, string? jsonPath)
    {
        var photos = LoadPhotos(folder);
        using var detector = new YuNetFaceDetector();
        var pipeline = new ExpressionPipeline(detector, model);
        var truth = new List<Expression>();
        var predicted = new List<Expression>();
        foreach (var photo in photos)
        {
            if (pipeline.Classify(photo.Image) is { Count: > 0 } results)
            {
                truth.Add(photo.Label);
                predicted.Add(results[0].Expression);
            }
        }

        if (truth.Count == 0)
        {
            throw new InvalidOperationException($"{folder}: the detector found no face in any of the {photos.Count} photos.");
        }

        var result = EvaluationResult.FromPredictions(truth, predicted);
        Report.Print(result, $"{folder} through the pipeline: faces found in {truth.Count} of {photos.Count} photos ({model.Precision}, framing: {model.Framing})");
        if (jsonPath is not null)
        {
            Report.WriteJson(new Dictionary<string, object>
            {
                ["photos"] = photos.Count,
                ["facesFound"] = truth.Count,
                ["framing"] = model.Framing,
                ["throughPipeline"] = Report.Summary(result),
            }, jsonPath);
        }
    }

    /// <summary>
    /// Expression folders (<see cref="LabelledImages.FromFolder"/>), or a folder with a <c>manifest.csv</c> whose header
    /// names a <c>path</c> column (relative to the folder) and a <c>label_fer_index</c> column (0–6).
    /// </summary>
    private static LabelledImages LoadPhotos(string folder)
    {
        var manifest = Path.Combine(folder, ManifestFile);
        if (!File.Exists(manifest))
        {
            return LabelledImages.FromFolder(folder);
        }

        var lines = File.ReadAllLines(manifest);
        var header = lines.Length > 0 ? lines[0].Split(',') : [];
        var pathColumn = Array.IndexOf(header, "path");
        var labelColumn = Array.IndexOf(header, "label_fer_index");
        if (pathColumn < 0 || labelColumn < 0)
        {
            throw new InvalidDataException($"{manifest}, line 1: the header needs 'path' and 'label_fer_index' columns, found '{(lines.Length > 0 ? lines[0] : "")}'");
        }

        var photos = new LabelledImages();
        for (var line = 1; line < lines.Length; line++)
        {
            var fields = lines[line].Split(',');
            if (fields.Length <= Math.Max(pathColumn, labelColumn)
                || !int.TryParse(fields[labelColumn], NumberStyles.None, CultureInfo.InvariantCulture, out var label)
                || !Enum.IsDefined((Expression)label))
            {
                throw new InvalidDataException($"{manifest}, line {line + 1}: expected a path and a label_fer_index in 0–6, found '{lines[line]}'");
            }

            var file = Path.Combine(folder, fields[pathColumn]);
            photos.Add(new LabelledImage(ImageData.Read(file), (Expression)label, file));
        }

        return photos;
    }

    private static void Print(EvaluationResult straight, EvaluationResult throughPipeline, string title)
    {
        var table = new Table().Title(Markup.Escape(title));
        table.AddColumns("class", "support", "straight in (recall)", "through the pipeline (recall)", "difference");
        foreach (var (s, p) in straight.PerClass.Zip(throughPipeline.PerClass))
        {
            table.AddRow(s.Expression.ToString(), s.Support.ToString(CultureInfo.InvariantCulture), s.Recall.ToString("P1", CultureInfo.InvariantCulture),
                p.Recall.ToString("P1", CultureInfo.InvariantCulture), Points(p.Recall - s.Recall));
        }

        table.AddRow("[bold]all[/]", straight.Count.ToString(CultureInfo.InvariantCulture), $"[bold]{straight.Accuracy.ToString("P2", CultureInfo.InvariantCulture)}[/]",
            $"[bold]{throughPipeline.Accuracy.ToString("P2", CultureInfo.InvariantCulture)}[/]", Points(throughPipeline.Accuracy - straight.Accuracy));
        AnsiConsole.Write(table);
    }

    private static string Points(double difference) => (difference * 100).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture);
}
