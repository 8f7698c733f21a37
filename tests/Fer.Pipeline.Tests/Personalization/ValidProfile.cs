using OpenCvSharp;
using PersonalFer.Data;
using PersonalFer.Detection;
using PersonalFer.Model;
using PersonalFer.Tests;

namespace PersonalFer.Pipeline.Tests;

/// <summary>
/// A valid profile file for tests that damage it, made once per test class: a freshly initialized VggBn model
/// fine-tuned on faces made in code (given as face crops, so no detector runs).
/// </summary>
public sealed class ValidProfile : IDisposable
{
    /// <summary>Faces in <see cref="Faces"/>.</summary>
    public const int FaceCount = 3;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("fer-profile-files-");

    public ValidProfile()
    {
        Personalizer = new Personalizer(new NoDetector(), Model, generalFaces: null);
        using var profile = FineTune("someone");
        var path = NewPath();
        profile.Save(path);
        File = System.IO.File.ReadAllBytes(path);
        System.IO.File.Delete(path);
        Faces = TestFaces.Make(FaceCount, seed: 1).Pixels.ToArray();
    }

    public ExpressionModel Model { get; } = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 4);

    public Personalizer Personalizer { get; }

    /// <summary>The saved profile.</summary>
    public byte[] File { get; }

    /// <summary>Faces to predict.</summary>
    public byte[] Faces { get; }

    /// <summary>A fine-tune on 14 faces made in code.</summary>
    public PersonalProfile FineTune(string name, HeadTrainingOptions? head = null) =>
        Personalizer.FineTune(FaceCrops(14), name, new PersonalizationOptions { Head = head ?? new HeadTrainingOptions { Steps = 10 } }).Profile;

    /// <summary><paramref name="count"/> faces made in code, given as face crops (no detector runs on them).</summary>
    public static List<LabelledImage> FaceCrops(int count)
    {
        var faces = TestFaces.Make(count);
        return [.. Enumerable.Range(0, faces.Count)
            .Select(i => new LabelledImage(new ImageData(faces.Image(i).ToArray(), FaceImage.Size, FaceImage.Size, PixelFormat.Gray8), faces.Labels[i], $"face-{i}", IsFaceCrop: true))];
    }

    /// <summary>A path in the fixture's folder that nothing uses yet.</summary>
    public string NewPath() => Path.Combine(_directory.FullName, $"{Guid.NewGuid():N}.ferprofile");

    /// <summary>Writes <paramref name="file"/> to a new path.</summary>
    public string Write(byte[] file)
    {
        var path = NewPath();
        System.IO.File.WriteAllBytes(path, file);
        return path;
    }

    public void Dispose()
    {
        Model.Dispose();
        _directory.Delete(recursive: true);
    }

    /// <summary>Face crops need no detector; this one fails the test if asked.</summary>
    private sealed class NoDetector : IFaceDetector
    {
        public IReadOnlyList<DetectedFace> Detect(Mat frame) => throw new InvalidOperationException("a face crop went through detection");

        public IReadOnlyList<DetectedFace> Detect(ImageData frame) => throw new InvalidOperationException("a face crop went through detection");

        public void Dispose()
        {
        }
    }
}
