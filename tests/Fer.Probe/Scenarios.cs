using System.Runtime.InteropServices;
using CsCheck;
using OpenCvSharp;
using PersonalFer.Data;
using PersonalFer.Detection;
using PersonalFer.Model;
using PersonalFer.Tests;

namespace PersonalFer.Probe;

/// <summary>
/// The fuzzed scenarios. Each draws inputs with CsCheck (valid ones, edge sizes, and nonsense), feeds them to the
/// public API, and accepts only a sound result or an exception the API documents for that input.
/// </summary>
internal sealed class Scenarios : IDisposable
{
    public static readonly string[] Names = ["frames", "mats", "boxes", "personalize", "disposal", "heads"];

    // Buffers above this are not allocated: such inputs are only there to be refused by their declared sizes.
    private const long MaxBuffer = 16L << 20;

    // Sides drawn for frames: mostly ordinary, some at the limits, some absurd.
    private static readonly Gen<int> Side = Gen.Frequency(
        (8, Gen.Int[1, 700]),
        (1, Gen.Int[-3, 3]),
        (1, Gen.OneOf(31, 32, 33, 4096, ImageData.MaxSide, ImageData.MaxSide + 1, 65_536, (int.MaxValue / 4) + 1, (int.MaxValue / 3) + 1, int.MaxValue)),
        (1, Gen.Int));

    private static readonly Gen<PixelFormat> Format = Gen.Frequency(
        (9, Gen.Enum<PixelFormat>()),
        (1, Gen.Int[-2, 8].Select(i => (PixelFormat)i)));

    private readonly string? _lastInputFile;
    private readonly YuNetFaceDetector _detector = new();
    private readonly ExpressionModel _model = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 24);
    private readonly Mat _photo = TestPhotos.Astronaut();
    private readonly ExpressionPipeline _pipeline;
    private readonly Personalizer _personalizer;
    private readonly string _directory = Directory.CreateTempSubdirectory("fer-probe-").FullName;
    private int _refused;

    public Scenarios(string? lastInputFile)
    {
        _lastInputFile = lastInputFile;
        _pipeline = new ExpressionPipeline(_detector, _model);
        _personalizer = new Personalizer(_detector, _model, generalFaces: null);
    }

    public string Run(string scenario, long iterations, string? seed)
    {
        switch (scenario)
        {
            case "frames":
                FrameCases().Sample(Frame, seed: seed, iter: iterations, threads: 1, print: c => c.ToString());
                break;
            case "mats":
                MatCases().Sample(MatFrame, seed: seed, iter: iterations, threads: 1, print: c => c.ToString());
                break;
            case "boxes":
                BoxCases().Sample(Box, seed: seed, iter: iterations, threads: 1, print: c => c.ToString());
                break;
            case "personalize":
                PersonalizeCases().Sample(Personalize, seed: seed, iter: iterations, threads: 1, print: c => c.ToString());
                break;
            case "disposal":
                Gen.Int[0, 6].Array[1, 8].Sample(Disposal, seed: seed, iter: iterations, threads: 1, print: c => string.Join(",", c));
                break;
            case "heads":
                SharedModelHeads(iterations);
                break;
            default:
                throw new ArgumentException($"unknown scenario '{scenario}'; one of {string.Join(", ", Names)}", nameof(scenario));
        }

        return $"{scenario}: {iterations} inputs, {_refused} refused with documented exceptions, no other exception, no crash";
    }

    public void Dispose()
    {
        _photo.Dispose();
        _model.Dispose();
        _detector.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    // Raw buffers: any declared size, stride and format, with noise, a flat colour or the photo in them.
    private static Gen<FrameCase> FrameCases() => Gen.Select(
        Side, Side, Format, Gen.Frequency((6, Gen.Const(0)), (2, Gen.Int[-8, 64]), (1, Gen.Int)),
        Gen.Frequency((6, Gen.Const(0)), (2, Gen.Int[-64, 64])), Gen.Int[0, 2], Gen.Int,
        (w, h, f, stride, delta, content, noise) => new FrameCase(w, h, f, stride, delta, (Content)content, noise));

    private void Frame(FrameCase input)
    {
        Remember(input);
        var bytesPerPixel = Enum.IsDefined(input.Format) ? ImageData.BytesPerPixel(input.Format) : 1;
        var rowBytes = (long)Math.Max(input.Width, 1) * bytesPerPixel;
        var stride = input.StrideExtra == 0 ? 0 : rowBytes + input.StrideExtra;
        var needed = ((input.StrideExtra == 0 ? rowBytes : stride) * ((long)Math.Max(input.Height, 1) - 1)) + rowBytes;
        var length = needed + input.LengthDelta;
        if (length is < 0 or > MaxBuffer || stride is < int.MinValue or > int.MaxValue)
        {
            length = Math.Clamp(length, 0, 4096);
        }

        var pixels = new byte[length];
        Fill(pixels, input, Math.Max(stride, rowBytes));
        ImageData image;
        try
        {
            image = new ImageData(pixels, input.Width, input.Height, input.Format, (int)Math.Clamp(stride, int.MinValue, int.MaxValue));
        }
        catch (ArgumentException)
        {
            _refused++;
            return;
        }

        CheckResults(_pipeline.Classify(image), image.Width, image.Height);
        _ = _detector.Detect(image);
    }

    private void Fill(byte[] pixels, FrameCase input, long stride)
    {
        switch (input.Content)
        {
            case Content.Noise:
                new Random(input.NoiseSeed).NextBytes(pixels);
                break;
            case Content.Flat:
                Array.Fill(pixels, (byte)input.NoiseSeed);
                break;
            case Content.Photo when input.Width is > 0 and <= 2000 && input.Height is > 0 and <= 2000 && Enum.IsDefined(input.Format):
                using (var resized = _photo.Resize(new OpenCvSharp.Size(input.Width, input.Height)))
                using (var converted = ToFormat(resized, input.Format))
                {
                    var row = input.Width * ImageData.BytesPerPixel(input.Format);
                    for (var y = 0; y < input.Height && ((long)y * stride) + row <= pixels.Length; y++)
                    {
                        Marshal.Copy(converted.Ptr(y), pixels, (int)(y * stride), row);
                    }
                }

                break;
        }
    }

    private static Mat ToFormat(Mat bgr, PixelFormat format)
    {
        var converted = new Mat();
        Cv2.CvtColor(bgr, converted, format switch
        {
            PixelFormat.Gray8 => ColorConversionCodes.BGR2GRAY,
            PixelFormat.Bgra32 => ColorConversionCodes.BGR2BGRA,
            PixelFormat.Rgb24 => ColorConversionCodes.BGR2RGB,
            PixelFormat.Rgba32 => ColorConversionCodes.BGR2RGBA,
            _ => ColorConversionCodes.BGR2BGRA,
        });
        if (format != PixelFormat.Bgr24)
        {
            return converted;
        }

        converted.Dispose();
        return bgr.Clone();
    }

    // Mats of every type and shape, including ROIs (not continuous), empty and three-dimensional ones.
    private static Gen<MatCase> MatCases() => Gen.Select(
        Gen.Frequency((6, Gen.Int[0, 600]), (1, Gen.OneOf(1, ImageData.MaxSide + 1, 40_000))),
        Gen.Frequency((6, Gen.Int[0, 600]), (1, Gen.OneOf(1, ImageData.MaxSide + 1, 40_000))),
        Gen.OneOf(MatType.CV_8UC1, MatType.CV_8UC2, MatType.CV_8UC3, MatType.CV_8UC4, MatType.CV_16UC1, MatType.CV_16SC3, MatType.CV_32FC3, MatType.CV_64FC1, MatType.CV_8SC3),
        Gen.Int[0, 3], Gen.Int,
        (rows, cols, type, shape, seed) => new MatCase(rows, cols, type, (MatShape)shape, seed));

    private void MatFrame(MatCase input)
    {
        Remember(input);
        if ((long)input.Rows * input.Cols > MaxBuffer)
        {
            return;
        }

        using var mat = input.Shape switch
        {
            MatShape.ThreeDimensional => new Mat([Math.Max(input.Rows, 1), Math.Max(input.Cols, 1), 2], input.Type),
            _ => new Mat(input.Rows, input.Cols, input.Type),
        };
        if (!mat.Empty())
        {
            Cv2.Randu(mat, Scalar.All(0), Scalar.All(255));
        }

        if (input.Shape == MatShape.Photo && input.Type == MatType.CV_8UC3 && input.Rows > 0 && input.Cols > 0)
        {
            _photo.Resize(new OpenCvSharp.Size(input.Cols, input.Rows)).CopyTo(mat);
        }

        using var frame = input.Shape == MatShape.Region && mat.Rows > 2 && mat.Cols > 2 ? new Mat(mat, new Rect(1, 1, mat.Cols - 2, mat.Rows - 2)) : mat.Clone();
        try
        {
            CheckResults(_pipeline.Classify(frame), frame.Width, frame.Height);
        }
        catch (ArgumentException)
        {
            _refused++;
        }
    }

    // Face boxes and landmarks from anywhere, on the photo or a tiny frame, with any valid framing.
    private static Gen<BoxCase> BoxCases()
    {
        var extreme = Gen.Frequency((2, Gen.OneOf(int.MinValue, -1, 0, 1, 511, 512, int.MaxValue)), (1, Gen.Int));
        var coordinate = Gen.Frequency((8, Gen.Int[0, 300]), (1, Gen.Int[-50, 600]), (1, extreme));
        var length = Gen.Frequency((8, Gen.Int[1, 200]), (1, Gen.Int[-5, 600]), (1, extreme));
        var point = Gen.Frequency((6, Gen.Float[-100, 700]), (1, Gen.OneOf(float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, -float.MaxValue)));
        return Gen.Select(
            Gen.Select(coordinate, coordinate, length, length),
            Gen.Select(point, point, point, point),
            Gen.Select(Gen.Float[0, FaceFraming.MaxMargin], Gen.Bool, Gen.Frequency((4, Gen.Const(true)), (1, Gen.Const(false))), Gen.Int[1, 40]),
            (box, eyes, rest) => new BoxCase(
                new FaceBox(box.Item1, box.Item2, box.Item3, box.Item4), eyes.Item1, eyes.Item2, eyes.Item3, eyes.Item4,
                rest.Item1, rest.Item2, rest.Item3, rest.Item4));
    }

    private void Box(BoxCase input)
    {
        Remember(input);
        using var tiny = new Mat(input.TinySide, input.TinySide + 3, MatType.CV_8UC3, Scalar.All(90));
        var frame = input.OnPhoto ? _photo : tiny;
        var landmarks = new FaceLandmarks(
            new FacePoint(input.RightEyeX, input.RightEyeY), new FacePoint(input.LeftEyeX, input.LeftEyeY),
            default, default, default);
        var face = new DetectedFace(input.Box, 1, landmarks);
        try
        {
            var pixels = FacePreprocessor.Extract(frame, face, new FaceFraming { Margin = input.Margin, AlignEyes = input.AlignEyes });
            if (pixels.Length != FaceImage.PixelCount)
            {
                throw new InvalidOperationException($"{pixels.Length} bytes instead of {FaceImage.PixelCount}");
            }
        }
        catch (ArgumentException)
        {
            _refused++;
        }
    }

    // A person's samples: any count, sizes, formats, labels and sources, null entries, crops and frames.
    private static Gen<PersonalizeCase> PersonalizeCases()
    {
        var sample = Gen.Select(
            Gen.Select(Gen.Int[1, 160], Gen.Int[1, 160], Gen.Enum<PixelFormat>()),
            Gen.Frequency((30, Gen.Int[0, 6]), (1, Gen.OneOf(-1, 7, 100, int.MinValue))),
            Gen.Frequency((30, Gen.Const("sample")), (1, Gen.OneOf<string?>([null, ""]))),
            Gen.Select(Gen.Bool, Gen.Int[0, 39], Gen.Frequency((1, Gen.Int[0, 1]), (2, Gen.Const(2)))),
            (size, label, source, rest) => rest.Item2 == 0
                ? null
                : new SampleCase(size.Item1, size.Item2, size.Item3, label, source, rest.Item1, (Content)rest.Item3));
        return Gen.Select(
            sample.List[0, 10],
            Gen.Int[1, 6], Gen.Bool, Gen.Int[1, 3], Gen.Int[2, 8],
            (samples, minimum, skip, steps, batch) => new PersonalizeCase(samples, minimum, skip, steps, batch));
    }

    private void Personalize(PersonalizeCase input)
    {
        Remember(input);
        var samples = input.Samples.Select((s, i) => s is null ? null : new LabelledImage(SampleImage(s), (Expression)s.Label, s.Source!, s.IsFaceCrop)).ToList();
        var options = new PersonalizationOptions
        {
            MinimumFaces = input.MinimumFaces,
            SkipSamplesWithoutFace = input.SkipFaceless,
            Head = new HeadTrainingOptions { Steps = input.Steps, BatchSize = input.BatchSize },
        };
        try
        {
            using var profile = _personalizer.FineTune(samples!, "probe", options).Profile;
            using var image = _photo.Clone();
            CheckResults(_pipeline.Classify(image, profile), image.Width, image.Height);
        }
        catch (Exception e) when (e is ArgumentException or PersonalizationException)
        {
            _refused++;
        }
    }

    private ImageData SampleImage(SampleCase sample)
    {
        var bytesPerPixel = ImageData.BytesPerPixel(sample.Format);
        var pixels = new byte[sample.Width * sample.Height * bytesPerPixel];
        Fill(pixels, new FrameCase(sample.Width, sample.Height, sample.Format, 0, 0, sample.Content, sample.Width ^ sample.Height), sample.Width * bytesPerPixel);
        return new ImageData(pixels, sample.Width, sample.Height, sample.Format);
    }

    // Random sequences of use and disposal of a model, a detector and a profile: a disposed object throws
    // ObjectDisposedException and never writes; whatever was saved loads back.
    private void Disposal(int[] operations)
    {
        Remember(string.Join(",", operations));
        using var model = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 5);
        using var detector = new YuNetFaceDetector();
        var pipeline = new ExpressionPipeline(detector, model);
        var personalizer = new Personalizer(detector, model, generalFaces: null);
        var crop = TestPhotos.ToImageData(_photo);
        var samples = Enumerable.Range(0, 5).Select(i => new LabelledImage(crop, (Expression)i, $"photo-{i}", IsFaceCrop: true)).ToList();
        var options = new PersonalizationOptions { Head = new HeadTrainingOptions { Steps = 2 } };
        PersonalProfile? profile = null;
        var modelFile = Path.Combine(_directory, "model.fermodel");
        var profileFile = Path.Combine(_directory, "profile.ferprofile");
        File.Delete(modelFile);
        File.Delete(profileFile);
        try
        {
            foreach (var operation in operations)
            {
                try
                {
                    switch (operation)
                    {
                        case 0: CheckResults(pipeline.Classify(crop, profile), crop.Width, crop.Height); break;
                        case 1: profile?.Dispose(); profile = personalizer.FineTune(samples, "probe", options).Profile; break;
                        case 2: model.Dispose(); break;
                        case 3: detector.Dispose(); break;
                        case 4: profile?.Dispose(); break;
                        case 5: profile?.Save(profileFile); break;
                        default: model.Save(modelFile); break;
                    }
                }
                catch (ObjectDisposedException)
                {
                    _refused++;
                }
            }
        }
        finally
        {
            profile?.Dispose();
        }

        if (File.Exists(modelFile))
        {
            using var loaded = ExpressionModel.Load(modelFile);
            if (File.Exists(profileFile))
            {
                PersonalProfile.Load(profileFile, loaded).Dispose();
            }
        }
    }

    // Two threads on the one model: one classifies with a personal profile while the other loads a profile, classifies
    // with it and disposes it. Each call must give the same probabilities as it does alone; a native fault or a
    // libtorch error ends the run.
    private void SharedModelHeads(long iterations)
    {
        var crop = TestPhotos.ToImageData(_photo);
        var samples = Enumerable.Range(0, 5).Select(i => new LabelledImage(crop, (Expression)i, $"photo-{i}", IsFaceCrop: true)).ToList();
        var options = new PersonalizationOptions { Head = new HeadTrainingOptions { Steps = 4 } };
        using var profile = _personalizer.FineTune(samples, "probe", options).Profile;
        var profileFile = Path.Combine(_directory, "heads.ferprofile");
        profile.Save(profileFile);
        var expected = _pipeline.Classify(crop, profile).Single().Probabilities.ToArray();
        void Compare(IReadOnlyList<FaceExpression> faces, long iteration, string thread)
        {
            var probabilities = faces.Single().Probabilities;
            if (!probabilities.SequenceEqual(expected))
            {
                throw new InvalidOperationException($"{thread}, iteration {iteration}: [{string.Join(", ", probabilities)}] instead of [{string.Join(", ", expected)}]");
            }
        }

        var predicting = Task.Run(() =>
        {
            for (var i = 0L; i < iterations; i++)
            {
                Compare(_pipeline.Classify(crop, profile), i, "predicting thread");
            }
        });
        var loading = Task.Run(() =>
        {
            for (var i = 0L; i < iterations; i++)
            {
                Remember($"heads iteration {i}");
                using var loaded = PersonalProfile.Load(profileFile, _model);
                Compare(_pipeline.Classify(crop, loaded), i, "loading thread");
            }
        });
        Task.WaitAll(predicting, loading);
    }

    private static void CheckResults(IReadOnlyList<FaceExpression> faces, int width, int height)
    {
        foreach (var face in faces)
        {
            var box = face.Box;
            if (box.Width <= 0 || box.Height <= 0 || box.X < 0 || box.Y < 0 || box.X + box.Width > width || box.Y + box.Height > height)
            {
                throw new InvalidOperationException($"box {box} outside the {width}×{height} frame");
            }

            if (face.Probabilities.Count != Expressions.Count || face.Probabilities.Any(p => !float.IsFinite(p)) || Math.Abs(face.Probabilities.Sum() - 1) > 1e-3)
            {
                throw new InvalidOperationException($"probabilities [{string.Join(", ", face.Probabilities)}]");
            }
        }
    }

    private void Remember(object input)
    {
        if (_lastInputFile is not null)
        {
            File.WriteAllText(_lastInputFile, input.ToString());
        }
    }

    private enum Content
    {
        Noise,
        Flat,
        Photo,
    }

    private enum MatShape
    {
        Plain,
        Region,
        Photo,
        ThreeDimensional,
    }

    private sealed record FrameCase(int Width, int Height, PixelFormat Format, long StrideExtra, int LengthDelta, Content Content, int NoiseSeed);

    private sealed record MatCase(int Rows, int Cols, MatType Type, MatShape Shape, int Seed);

    private sealed record BoxCase(FaceBox Box, float RightEyeX, float RightEyeY, float LeftEyeX, float LeftEyeY, float Margin, bool AlignEyes, bool OnPhoto, int TinySide);

    private sealed record SampleCase(int Width, int Height, PixelFormat Format, int Label, string? Source, bool IsFaceCrop, Content Content);

    private sealed record PersonalizeCase(List<SampleCase?> Samples, int MinimumFaces, bool SkipFaceless, int Steps, int BatchSize)
    {
        public override string ToString() => $"{Samples.Count} samples [{string.Join("; ", Samples)}], minimum {MinimumFaces}, skip {SkipFaceless}, steps {Steps}, batch {BatchSize}";
    }
}
