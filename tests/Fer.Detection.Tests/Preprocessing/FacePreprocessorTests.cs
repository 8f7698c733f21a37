using OpenCvSharp;
using PersonalFer.Data;
using PersonalFer.Tests;

namespace PersonalFer.Detection.Tests;

public sealed class FacePreprocessorTests
{
    private static double MeanAbsoluteDifference(byte[] a, byte[] b) => a.Zip(b).Average(p => Math.Abs(p.First - p.Second));

    [Fact]
    public void A_detected_face_becomes_48x48_gray_and_is_deterministic()
    {
        using var frame = TestPhotos.Astronaut();
        using var detector = new YuNetFaceDetector();
        var face = Assert.Single(detector.Detect(frame));

        var pixels = FacePreprocessor.Extract(frame, face, FaceFraming.DetectorBox);

        Assert.Equal(FaceImage.PixelCount, pixels.Length);
        Assert.Equal(pixels, FacePreprocessor.Extract(frame, face, FaceFraming.DetectorBox));
        Assert.True(pixels.Select(p => (int)p).Max() - pixels.Select(p => (int)p).Min() > 100, "the crop has no contrast: not a face");
    }

    [Fact]
    public void Color_frames_give_exactly_the_crop_of_their_gray_copy_also_at_the_edge()
    {
        // Only the face's part of a frame is converted to gray: the crop must equal the whole gray frame's.
        using var frame = TestPhotos.Astronaut();
        using var detector = new YuNetFaceDetector();
        var face = Assert.Single(detector.Detect(frame));
        using var gray = frame.CvtColor(ColorConversionCodes.BGR2GRAY);
        using var bgra = frame.CvtColor(ColorConversionCodes.BGR2BGRA);
        var atEdge = face with { Box = face.Box with { X = -face.Box.Width / 3, Y = frame.Height - (face.Box.Height / 2) } };

        foreach (var detected in new[] { face, atEdge })
        {
            foreach (var framing in new[] { FaceFraming.DetectorBox, new FaceFraming { Margin = 0.15f, AlignEyes = true } })
            {
                var expected = FacePreprocessor.Extract(gray, detected, framing);
                Assert.Equal(expected, FacePreprocessor.Extract(frame, detected, framing));
                Assert.Equal(expected, FacePreprocessor.Extract(bgra, detected, framing));
            }
        }
    }

    [Fact]
    public void Eye_alignment_undoes_a_rotated_head()
    {
        // The photo is turned by 20° about the face; the landmarks are turned with it, so the test checks the
        // preprocessing geometry, not the detector's landmark accuracy.
        using var frame = TestPhotos.Astronaut();
        using var detector = new YuNetFaceDetector();
        var upright = Assert.Single(detector.Detect(frame));
        var center = new Point2f(upright.Box.X + (upright.Box.Width / 2f), upright.Box.Y + (upright.Box.Height / 2f));
        using var rotation = Cv2.GetRotationMatrix2D(center, 20, 1);
        using var rotated = new Mat();
        Cv2.WarpAffine(frame, rotated, rotation, frame.Size(), InterpolationFlags.Linear, BorderTypes.Replicate);
        var m = new double[6];
        for (var i = 0; i < 6; i++)
        {
            m[i] = rotation.At<double>(i / 3, i % 3);
        }

        FacePoint Turn(FacePoint p) => new((float)((m[0] * p.X) + (m[1] * p.Y) + m[2]), (float)((m[3] * p.X) + (m[4] * p.Y) + m[5]));
        var l = upright.Landmarks!.Value;
        var tilted = upright with { Landmarks = new FaceLandmarks(Turn(l.RightEye), Turn(l.LeftEye), Turn(l.Nose), Turn(l.RightMouthCorner), Turn(l.LeftMouthCorner)) };
        Assert.Equal(20, Math.Abs(FacePreprocessor.EyeAngleDegrees(tilted.Landmarks!.Value) - FacePreprocessor.EyeAngleDegrees(l)), 1);

        var levelled = new FaceFraming { Margin = 0.15f, AlignEyes = true };
        var reference = FacePreprocessor.Extract(frame, upright, levelled);
        var aligned = FacePreprocessor.Extract(rotated, tilted, levelled);
        var unaligned = FacePreprocessor.Extract(rotated, tilted, levelled with { AlignEyes = false });

        var alignedError = MeanAbsoluteDifference(reference, aligned);
        var unalignedError = MeanAbsoluteDifference(reference, unaligned);
        Assert.True(alignedError < 8 && alignedError < unalignedError * 0.5, $"aligned crop differs by {alignedError:F1}, unaligned by {unalignedError:F1}");
    }

    [Theory]
    [InlineData(0.25f)]
    [InlineData(0.5f)]
    public void A_margin_crops_what_the_box_grown_by_it_crops_without_one(float margin)
    {
        // Her face's box, 112 high and centred on (228, 116): both margins grow it to whole pixels.
        using var frame = TestPhotos.Astronaut();
        var box = new FaceBox(180, 60, 96, 112);
        var grownSide = (int)(box.Height * (1 + (2 * margin)));
        var grown = new FaceBox(228 - (grownSide / 2), 116 - (grownSide / 2), grownSide, grownSide);

        var withMargin = FacePreprocessor.Extract(frame, new DetectedFace(box, 1f), new FaceFraming { Margin = margin });
        var grownBox = FacePreprocessor.Extract(frame, new DetectedFace(grown, 1f), FaceFraming.DetectorBox);
        var boxOnly = FacePreprocessor.Extract(frame, new DetectedFace(box, 1f), FaceFraming.DetectorBox);

        Assert.True(MeanAbsoluteDifference(withMargin, grownBox) < 3, $"the margin crop differs from the grown box's by {MeanAbsoluteDifference(withMargin, grownBox):F1}");
        Assert.True(MeanAbsoluteDifference(withMargin, boxOnly) > 10, "the margin changed nothing");
    }

    [Fact]
    public void A_crop_reaching_into_letterbox_bars_gets_the_scene_edge_instead()
    {
        // The same photo with black bars and with its edges replicated as far: a box that reaches into the bars must
        // crop what it crops where the scene's edge is replicated, not the bars.
        using var photo = TestPhotos.Astronaut();
        using var detector = new YuNetFaceDetector();
        var face = Assert.Single(detector.Detect(photo));
        const int Bar = 80;
        using var barred = new Mat();
        Cv2.CopyMakeBorder(photo, barred, Bar, Bar, Bar, Bar, BorderTypes.Constant, Scalar.All(0));
        using var replicated = new Mat();
        Cv2.CopyMakeBorder(photo, replicated, Bar, Bar, Bar, Bar, BorderTypes.Replicate);
        // The face moved to the photo's top-left corner, so its box reaches into both bars there.
        var box = new FaceBox(Bar - (face.Box.Width / 4), Bar - (face.Box.Height / 4), face.Box.Width, face.Box.Height);
        var atCorner = face with { Box = box };

        var fromBars = FacePreprocessor.Extract(barred, atCorner, FaceFraming.DetectorBox);
        var fromReplicated = FacePreprocessor.Extract(replicated, atCorner, FaceFraming.DetectorBox);

        // Shrinking before or after the edge is replicated rounds differently: a pixel or two on average.
        Assert.True(MeanAbsoluteDifference(fromBars, fromReplicated) < 3, $"the crops differ by {MeanAbsoluteDifference(fromBars, fromReplicated):F2} on average");

        // A dark border that varies is part of the scene and stays in the crop.
        using var noise = new Mat(barred.Size(), barred.Type());
        Cv2.Randu(noise, Scalar.All(0), Scalar.All(40));
        using var darkScene = replicated.Clone();
        using (var inner = new Mat(darkScene, new Rect(Bar, Bar, photo.Width, photo.Height)))
        {
            photo.CopyTo(inner);
        }

        using var outside = new Mat(barred.Size(), MatType.CV_8UC1, Scalar.All(255));
        using (var inner = new Mat(outside, new Rect(Bar, Bar, photo.Width, photo.Height)))
        {
            inner.SetTo(Scalar.All(0));
        }

        noise.CopyTo(darkScene, outside);
        var fromDarkScene = FacePreprocessor.Extract(darkScene, atCorner, FaceFraming.DetectorBox);
        Assert.True(MeanAbsoluteDifference(fromDarkScene, fromReplicated) > 10, $"the dark border changed the crop by {MeanAbsoluteDifference(fromDarkScene, fromReplicated):F2} only");
    }

    [Fact]
    public void Faces_at_the_frame_edge_are_padded_not_rejected()
    {
        using var frame = new Mat(100, 100, MatType.CV_8UC1, Scalar.All(200));
        var face = new DetectedFace(new FaceBox(80, 80, 40, 40), 1f);
        Assert.Equal(FaceImage.PixelCount, FacePreprocessor.Extract(frame, face, FaceFraming.DetectorBox).Length);
    }

    [Fact]
    public void Empty_boxes_and_boxes_outside_the_frame_are_rejected()
    {
        using var frame = new Mat(100, 100, MatType.CV_8UC1, Scalar.All(0));
        Assert.Throws<ArgumentException>(() => FacePreprocessor.Extract(frame, new DetectedFace(new FaceBox(10, 10, 0, 5), 1f), FaceFraming.DetectorBox));
        Assert.Throws<ArgumentException>(() => FacePreprocessor.Extract(frame, new DetectedFace(new FaceBox(500, 500, 10, 10), 1f), FaceFraming.DetectorBox));
    }
}
