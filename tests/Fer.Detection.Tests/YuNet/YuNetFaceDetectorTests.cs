using System.Diagnostics;
using OpenCvSharp;
using PersonalFer.Data;
using PersonalFer.Tests;

namespace PersonalFer.Detection.Tests;

public sealed class YuNetFaceDetectorTests
{
    /// <summary>The bundled photo and scenes made from it (<see cref="TestPhotos"/>).</summary>
    private static Mat Scene(string name) => name switch
    {
        "astronaut" => TestPhotos.Astronaut(),
        "mirrored" => TestPhotos.Variant(1),
        "turned" => TestPhotos.Variant(2),
        "grey" => TestPhotos.Variant(6),
        "two faces" => TestPhotos.TwoFaces(),
        "small face" => TestPhotos.SmallFace(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such scene"),
    };

    [Theory]
    [InlineData("astronaut", 1, null)]
    [InlineData("mirrored", 1, null)]
    [InlineData("turned", 1, null)]
    [InlineData("grey", 1, null)]
    [InlineData("two faces", 2, null)]
    // A face of about 27 pixels in a 640×480 frame needs the larger detection size YuNetOptions documents for small faces.
    [InlineData("small face", 1, 320)]
    public void Finds_the_faces_in_photos(string scene, int faces, int? detectionSide)
    {
        using var frame = Scene(scene);
        using var detector = new YuNetFaceDetector(detectionSide is { } side ? new YuNetOptions { MaxDetectionSide = side } : new YuNetOptions());

        var found = detector.Detect(frame);

        Assert.Equal(faces, found.Count);
        Assert.All(found, f => Assert.InRange(f.Confidence, 0.7f, 1f));
        Assert.All(found, f => Assert.True(f.Box.X >= 0 && f.Box.Y >= 0 && f.Box.X + f.Box.Width <= frame.Width && f.Box.Y + f.Box.Height <= frame.Height));
    }

    [Fact]
    public void Faces_come_largest_first_each_where_it_was_pasted()
    {
        // The scene holds her head at full size on the left and a mirrored copy at 70 % on the lower right.
        using var frame = TestPhotos.TwoFaces();
        using var detector = new YuNetFaceDetector();

        var found = detector.Detect(frame);

        Assert.Equal(2, found.Count);
        var (large, small) = (found[0].Box, found[1].Box);
        Assert.True(large.X + large.Width < frame.Width / 2, $"the larger face {large} is not in the left half");
        Assert.True(small.X > frame.Width / 2 && small.Y > large.Y, $"the smaller face {small} is not at the lower right");
        Assert.InRange(small.Width / (double)large.Width, 0.6, 0.8);
    }

    [Fact]
    public void Astronaut_face_and_landmarks_are_where_the_face_is()
    {
        using var frame = TestPhotos.Astronaut();
        using var detector = new YuNetFaceDetector();

        var face = Assert.Single(detector.Detect(frame));

        Assert.InRange(face.Box.X + (face.Box.Width / 2), 180, 280);
        Assert.InRange(face.Box.Y + (face.Box.Height / 2), 80, 160);
        var landmarks = face.Landmarks!.Value;
        Assert.True(landmarks.RightEye.X < landmarks.LeftEye.X, "the person's right eye is on the image's left");
        Assert.True(landmarks.Nose.Y > landmarks.RightEye.Y && landmarks.RightMouthCorner.Y > landmarks.Nose.Y);
        Assert.All(new[] { landmarks.RightEye, landmarks.LeftEye, landmarks.Nose }, p =>
            Assert.True(p.X >= face.Box.X && p.X <= face.Box.X + face.Box.Width && p.Y >= face.Box.Y && p.Y <= face.Box.Y + face.Box.Height));
    }

    [Fact]
    public void Frames_of_many_shapes_in_turn_get_what_a_detector_for_each_shape_alone_gives()
    {
        // One detector serves clients whose frames differ in shape (it keeps an OpenCV detector per input size, the
        // last four): alternating among six shapes must give each frame exactly its own detector's answer.
        using var photo = TestPhotos.Astronaut();
        // The photo (512×512) with borders of different widths and heights: six shapes, the face unchanged.
        var frames = new[] { (0, 0), (64, 0), (0, 64), (200, 0), (0, 160), (100, 40) }
            .Select(pad => photo.CopyMakeBorder(pad.Item2, pad.Item2, pad.Item1, pad.Item1, BorderTypes.Constant, Scalar.All(90))).ToArray();
        try
        {
            var alone = frames.Select(frame =>
            {
                using var detector = new YuNetFaceDetector();
                return detector.Detect(frame);
            }).ToArray();
            using var shared = new YuNetFaceDetector();
            for (var round = 0; round < 3; round++)
            {
                for (var i = 0; i < frames.Length; i++)
                {
                    var index = round % 2 == 0 ? i : frames.Length - 1 - i;
                    Assert.Equal(alone[index], shared.Detect(frames[index]));
                }
            }

            Assert.All(alone, faces => Assert.Single(faces));
        }
        finally
        {
            foreach (var frame in frames)
            {
                frame.Dispose();
            }
        }
    }

    [Fact]
    public void Boxes_are_mapped_back_to_the_full_frame_whatever_the_detection_size()
    {
        using var frame = TestPhotos.TwoFaces();
        using var small = new YuNetFaceDetector(new YuNetOptions { MaxDetectionSide = 320 });
        using var large = new YuNetFaceDetector(new YuNetOptions { MaxDetectionSide = 1200 });

        var a = small.Detect(frame);
        var b = large.Detect(frame);

        Assert.Equal(2, a.Count);
        Assert.Equal(2, b.Count);
        for (var i = 0; i < 2; i++)
        {
            Assert.InRange(Math.Abs(a[i].Box.X - b[i].Box.X), 0, b[i].Box.Width / 5);
            Assert.InRange(Math.Abs(a[i].Box.Width - b[i].Box.Width), 0, b[i].Box.Width / 5);
        }
    }

    [Fact]
    public void Raw_rgb_bgr_bgra_gray_and_strided_buffers_find_the_same_face()
    {
        using var frame = TestPhotos.Astronaut();
        using var detector = new YuNetFaceDetector();
        var reference = Assert.Single(detector.Detect(frame)).Box;

        foreach (var (code, format) in new[]
        {
            (ColorConversionCodes.BGR2RGB, PixelFormat.Rgb24),
            (ColorConversionCodes.BGR2BGRA, PixelFormat.Bgra32),
            (ColorConversionCodes.BGR2RGBA, PixelFormat.Rgba32),
        })
        {
            using var converted = frame.CvtColor(code);
            var bytes = new byte[converted.Total() * converted.ElemSize()];
            System.Runtime.InteropServices.Marshal.Copy(converted.Data, bytes, 0, bytes.Length);
            var face = Assert.Single(detector.Detect(new ImageData(bytes, frame.Width, frame.Height, format)));
            Assert.Equal(reference, face.Box);
        }

        // A BGR buffer whose rows are padded to 1600 bytes.
        const int Stride = 1600;
        var (width, height) = (frame.Width, frame.Height);
        var padded = new byte[Stride * height];
        var row = new byte[width * 3];
        for (var y = 0; y < height; y++)
        {
            System.Runtime.InteropServices.Marshal.Copy(frame.Ptr(y), row, 0, row.Length);
            row.CopyTo(padded, y * Stride);
        }

        Assert.Equal(reference, Assert.Single(detector.Detect(new ImageData(padded, frame.Width, frame.Height, PixelFormat.Bgr24, Stride))).Box);
        using var gray = frame.CvtColor(ColorConversionCodes.BGR2GRAY);
        Assert.Single(detector.Detect(gray));
    }

    [Fact]
    public void Gray_and_BGRA_frames_give_exactly_what_their_BGR_copies_give()
    {
        // The detector shrinks a frame before converting it to BGR; the conversions only copy or drop channels, so
        // the detections must be the very ones the converted full frame gives.
        using var frame = TestPhotos.Astronaut();
        using var detector = new YuNetFaceDetector();
        using var gray = frame.CvtColor(ColorConversionCodes.BGR2GRAY);
        using var grayAsBgr = gray.CvtColor(ColorConversionCodes.GRAY2BGR);
        using var bgra = frame.CvtColor(ColorConversionCodes.BGR2BGRA);

        Assert.Equal(detector.Detect(grayAsBgr), detector.Detect(gray));
        Assert.Equal(detector.Detect(frame), detector.Detect(bgra));
    }

    [Fact]
    public void A_frame_without_faces_gives_none()
    {
        using var blank = new Mat(480, 640, MatType.CV_8UC3, new Scalar(90, 120, 150));
        using var detector = new YuNetFaceDetector();
        Assert.Empty(detector.Detect(blank));
    }

    [Fact]
    public void Concurrent_calls_give_the_same_answer()
    {
        using var frame = TestPhotos.TwoFaces();
        using var detector = new YuNetFaceDetector();
        var expected = detector.Detect(frame);

        var results = new IReadOnlyList<DetectedFace>[16];
        Parallel.For(0, results.Length, i => results[i] = detector.Detect(frame));

        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void Thousands_of_detections_do_not_leak_native_memory()
    {
        using var frame = TestPhotos.Astronaut();
        using var small = frame.Resize(new Size(160, 160));
        using var detector = new YuNetFaceDetector();
        for (var i = 0; i < 200; i++)
        {
            detector.Detect(small);
        }

        var before = Process.GetCurrentProcess().PrivateMemorySize64;
        for (var i = 0; i < 3000; i++)
        {
            detector.Detect(small);
        }

        var grown = Process.GetCurrentProcess().PrivateMemorySize64 - before;
        // A leaked 160×160 BGR copy per call alone would add 230 MB.
        Assert.True(grown < 20_000_000, $"private memory grew by {grown / 1_000_000.0:F1} MB over 3000 detections");
    }

    [Fact]
    public void Options_are_validated_and_dispose_is_final()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new YuNetFaceDetector(new YuNetOptions { MaxDetectionSide = 8 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new YuNetFaceDetector(new YuNetOptions { ScoreThreshold = 2 }));
        var detector = new YuNetFaceDetector();
        detector.Dispose();
        using var frame = new Mat(64, 64, MatType.CV_8UC3, Scalar.All(0));
        Assert.Throws<ObjectDisposedException>(() => detector.Detect(frame));
    }
}
