using OpenCvSharp;

namespace PersonalFer.Demo;

/// <summary>Draws each face's box and expression onto the frame.</summary>
internal static class Annotation
{
    // One BGR colour per expression, in Expression order: Angry, Disgust, Fear, Happy, Sad, Surprise, Neutral.
    private static readonly Scalar[] Colours =
    [
        new(40, 40, 230), new(40, 140, 40), new(160, 40, 160), new(40, 200, 240), new(200, 120, 40), new(240, 200, 40), new(200, 200, 200),
    ];

    public static void Draw(Mat frame, IReadOnlyList<TrackedFaceExpression> faces)
    {
        var scale = Math.Max(0.5, frame.Width / 1000.0);
        var thickness = Math.Max(1, (int)Math.Round(2 * scale));
        foreach (var face in faces)
        {
            var box = face.Frame.Box;
            var colour = Colours[(int)face.Expression];
            Cv2.Rectangle(frame, new Rect(box.X, box.Y, box.Width, box.Height), colour, thickness);
            var label = $"{face.Expression} {face.Confidence * 100:F0}%";
            var size = Cv2.GetTextSize(label, HersheyFonts.HersheySimplex, 0.6 * scale, thickness, out var baseline);
            var top = Math.Max(0, box.Y - size.Height - baseline - 4);
            Cv2.Rectangle(frame, new Rect(box.X, top, size.Width + 6, size.Height + baseline + 4), colour, -1);
            Cv2.PutText(frame, label, new Point(box.X + 3, top + size.Height + 2), HersheyFonts.HersheySimplex, 0.6 * scale, Scalar.Black, thickness, LineTypes.AntiAlias);
        }
    }
}
