using System.Runtime.InteropServices;
using OpenCvSharp;
using PersonalFer.Data;

namespace PersonalFer.Tests;

/// <summary>
/// Photos for tests that run anywhere, without ../shared: the bundled public-domain astronaut photo
/// (samples/Fer.Demo/media/astronaut.png, linked into the test output as media/astronaut.png) and scenes the tests
/// make from it. Every method returns a new 8-bit BGR <see cref="Mat"/> that the caller disposes.
/// </summary>
internal static class TestPhotos
{
    /// <summary>Side of the bundled photo.</summary>
    public const int AstronautSide = 512;

    /// <summary>How many <see cref="Variant"/>s there are.</summary>
    public const int VariantCount = 10;

    /// <summary>The plain grey-blue backdrop of the composed scenes.</summary>
    public static readonly Scalar Backdrop = new(120, 130, 140);

    /// <summary>The middle of her face (about 90 × 110 pixels) in the photo.</summary>
    public static readonly Point2f FaceCenter = new(227, 118);

    /// <summary>The square around Eileen Collins' head (her face is about 90 × 110 pixels around (227, 118)).</summary>
    private static readonly Rect HeadSquare = new(97, 0, 256, 256);

    /// <summary>Where the photo is in the test output.</summary>
    public static string AstronautPath { get; } = Path.Combine(AppContext.BaseDirectory, "media", "astronaut.png");

    /// <summary>The 512×512 photo: one frontal, smiling face in the upper middle.</summary>
    public static Mat Astronaut()
    {
        var photo = Cv2.ImRead(AstronautPath);
        if (photo.Empty())
        {
            photo.Dispose();
            throw new FileNotFoundException($"{AstronautPath}: the bundled photo is missing from the test output (the test project links samples/Fer.Demo/media/astronaut.png as media/astronaut.png).", AstronautPath);
        }

        return photo;
    }

    /// <summary>The 256×256 square around her head, to paste into scenes.</summary>
    public static Mat Head()
    {
        using var photo = Astronaut();
        using var head = new Mat(photo, HeadSquare);
        return head.Clone();
    }

    /// <summary>
    /// Two faces on a 640×320 backdrop: her head 320 pixels high on the left, and mirrored at 70 % of that size at
    /// the lower right. The left face is the larger.
    /// </summary>
    public static Mat TwoFaces()
    {
        using var head = Head();
        var scene = new Mat(320, 640, MatType.CV_8UC3, Backdrop);
        Paste(scene, head, new Rect(0, 0, 320, 320));
        using var mirrored = head.Flip(FlipMode.Y);
        Paste(scene, mirrored, new Rect(640 - 224, 320 - 224, 224, 224));
        return scene;
    }

    /// <summary>A distant face: the whole photo shrunk to 30 % (a face of about 27 pixels) on a 640×480 backdrop.</summary>
    public static Mat SmallFace()
    {
        using var photo = Astronaut();
        var scene = new Mat(480, 640, MatType.CV_8UC3, Backdrop);
        var side = (int)(AstronautSide * 0.3);
        Paste(scene, photo, new Rect(400, 100, side, side));
        return scene;
    }

    /// <summary>
    /// Variation <paramref name="index"/> (0 to <see cref="VariantCount"/> − 1) of the photo, as a camera would see
    /// the same person on another occasion: as it is, mirrored, turned either way, brighter, darker, in grey, closer,
    /// blurred, shifted. YuNet finds the one face in each with its default options.
    /// </summary>
    public static Mat Variant(int index)
    {
        using var photo = Astronaut();
        var result = new Mat();
        switch (index)
        {
            case 0:
                photo.CopyTo(result);
                break;
            case 1:
                Cv2.Flip(photo, result, FlipMode.Y);
                break;
            case 2 or 3:
                using (var rotation = Cv2.GetRotationMatrix2D(FaceCenter, index == 2 ? 10 : -10, 1))
                {
                    Cv2.WarpAffine(photo, result, rotation, photo.Size(), InterpolationFlags.Linear, BorderTypes.Replicate);
                }

                break;
            case 4:
                photo.ConvertTo(result, MatType.CV_8UC3, 1, 40);
                break;
            case 5:
                photo.ConvertTo(result, MatType.CV_8UC3, 0.6);
                break;
            case 6:
                using (var gray = photo.CvtColor(ColorConversionCodes.BGR2GRAY))
                {
                    Cv2.CvtColor(gray, result, ColorConversionCodes.GRAY2BGR);
                }

                break;
            case 7:
                using (var closer = new Mat(photo, new Rect(56, 0, 341, 341)))
                {
                    Cv2.Resize(closer, result, new Size(AstronautSide, AstronautSide), interpolation: InterpolationFlags.Linear);
                }

                break;
            case 8:
                Cv2.GaussianBlur(photo, result, new Size(5, 5), 0);
                break;
            case 9:
                using (var shift = Mat.FromArray(new double[,] { { 1, 0, 60 }, { 0, 1, 40 } }))
                {
                    Cv2.WarpAffine(photo, result, shift, photo.Size(), InterpolationFlags.Linear, BorderTypes.Replicate);
                }

                break;
            default:
                result.Dispose();
                throw new ArgumentOutOfRangeException(nameof(index), index, $"0 to {VariantCount - 1}");
        }

        return result;
    }

    /// <summary>A copy of a continuous BGR, BGRA or gray <see cref="Mat"/> as raw <see cref="ImageData"/>.</summary>
    public static ImageData ToImageData(Mat image)
    {
        var format = image.Channels() switch
        {
            1 => PixelFormat.Gray8,
            3 => PixelFormat.Bgr24,
            _ => PixelFormat.Bgra32,
        };
        using var continuous = image.IsContinuous() ? null : image.Clone();
        var source = continuous ?? image;
        var bytes = new byte[source.Total() * source.ElemSize()];
        Marshal.Copy(source.Data, bytes, 0, bytes.Length);
        return new ImageData(bytes, source.Width, source.Height, format);
    }

    /// <summary>Draws <paramref name="image"/> resized into <paramref name="where"/> of <paramref name="scene"/>.</summary>
    public static void Paste(Mat scene, Mat image, Rect where)
    {
        using var resized = image.Resize(where.Size, interpolation: InterpolationFlags.Area);
        using var target = new Mat(scene, where);
        resized.CopyTo(target);
    }
}
