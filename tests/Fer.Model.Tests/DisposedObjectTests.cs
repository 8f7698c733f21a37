using PersonalFer.Tests;

namespace PersonalFer.Model.Tests;

/// <summary>
/// A disposed model or head refuses every use with an <see cref="ObjectDisposedException"/> naming its own type
/// (not TorchSharp's handle), writes nothing, and can be disposed again.
/// </summary>
public sealed class DisposedObjectTests
{
    private static readonly byte[] OneFace = TestFaces.Make(1).Pixels.ToArray();

    [Fact]
    public void A_disposed_model_refuses_every_use_and_overwrites_nothing()
    {
        var path = Path.Combine(Path.GetTempPath(), $"fer-disposed-{Guid.NewGuid():N}.fermodel");
        File.WriteAllText(path, "a good file");
        var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 1);
        var faces = TestFaces.Make(7);
        var features = model.ExtractFeatures(faces.Pixels, faces.Labels);
        var fingerprint = model.Fingerprint();
        model.Dispose();
        model.Dispose();

        try
        {
            AssertDisposed<ExpressionModel>(
                () => model.Save(path),
                () => model.Weights(),
                () => model.PredictProbabilities(OneFace, 1),
                () => model.ExtractFeatures(faces.Pixels, faces.Labels),
                () => model.AttachGeneralReplay(faces),
                () => model.Fingerprint(),
                () => model.Describe(m => m),
                () => _ = model.Precision,
                () => model.Precision = InferencePrecision.Float32,
                () => _ = model.ParameterCount,
                () => PersonalHead.Train(model, features, null),
                () => PersonalHead.Load(new MemoryStream(), model, fingerprint));
            Assert.Equal("a good file", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_disposed_head_refuses_every_use()
    {
        using var model = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 1);
        var faces = TestFaces.Make(7);
        var head = PersonalHead.Train(model, model.ExtractFeatures(faces.Pixels, faces.Labels), null, new HeadTrainingOptions { Steps = 1 });
        head.Dispose();
        head.Dispose();

        using var stream = new MemoryStream();
        AssertDisposed<PersonalHead>(
            () => head.Save(stream),
            () => _ = head.Architecture,
            () => _ = head.BaseModelFingerprint,
            () => model.PredictProbabilities(OneFace, 1, head));
        Assert.Equal(0, stream.Length);
    }

    private static void AssertDisposed<T>(params Action[] uses)
    {
        foreach (var use in uses)
        {
            Assert.Equal(typeof(T).FullName, Assert.Throws<ObjectDisposedException>(use).ObjectName);
        }
    }
}
