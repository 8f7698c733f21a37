using PersonalFer.Tests;

namespace PersonalFer.Model.Tests;

/// <summary>
/// Valid model files for tests that damage them, made once per test class: a VggBn model made here (float32
/// weights, general replay of 14 faces) and a Seed model made here (half-precision weights, no replay).
/// </summary>
public sealed class ValidModelFiles : IDisposable
{
    /// <summary>Faces in <see cref="Faces"/>.</summary>
    public const int FaceCount = 3;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("fer-model-files-");

    public ValidModelFiles()
    {
        using var model = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 5);
        model.AttachGeneralReplay(TestFaces.Make(14));
        var path = NewPath();
        model.Save(path);
        Float32 = File.ReadAllBytes(path);
        File.Delete(path);
        using (var seed = ExpressionModel.Create(ModelArchitecture.Seed, seed: 6))
        {
            seed.Save(path, WeightPrecision.Float16);
            Float16 = File.ReadAllBytes(path);
            File.Delete(path);
        }

        Faces = TestFaces.Make(FaceCount, seed: 1).Pixels.ToArray();
    }

    /// <summary>VggBn, float32 weights, general replay.</summary>
    public byte[] Float32 { get; }

    /// <summary>Seed, half-precision weights, no replay.</summary>
    public byte[] Float16 { get; }

    /// <summary>Faces to predict.</summary>
    public byte[] Faces { get; }

    /// <summary>A path in the fixture's folder that nothing uses yet.</summary>
    public string NewPath() => Path.Combine(_directory.FullName, $"{Guid.NewGuid():N}.fermodel");

    /// <summary>Writes <paramref name="file"/> to a new path.</summary>
    public string Write(byte[] file)
    {
        var path = NewPath();
        File.WriteAllBytes(path, file);
        return path;
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
