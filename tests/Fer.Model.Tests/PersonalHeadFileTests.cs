using CsCheck;
using PersonalFer.Tests;

namespace PersonalFer.Model.Tests;

/// <summary>
/// Reading a personal head's weights (a profile's <c>head.bin</c>) without trusting them: random bytes, another
/// architecture's head and fuzzed structures are refused with <see cref="InvalidDataException"/> naming the tensor,
/// never with TorchSharp's own errors; whatever loads saves back identically and predicts finite probabilities.
/// </summary>
public sealed class PersonalHeadFileTests(PersonalHeadFileTests.TrainedHead trained) : IClassFixture<PersonalHeadFileTests.TrainedHead>
{
    private const int FaceCount = 4;

    private readonly ExpressionModel _model = trained.Model;
    private readonly byte[] _saved = trained.Saved;
    private readonly byte[] _faces = TestFaces.Make(FaceCount, seed: 2).Pixels.ToArray();

    [Fact]
    public void Random_bytes_are_refused_with_InvalidDataException()
    {
        var random = new byte[5000];
        new Random(3).NextBytes(random);

        var error = Assert.Throws<InvalidDataException>(() => Load(random));

        error.AssertSays("The head weights do not fit a VggBn head or are corrupt: ");
    }

    [Fact]
    public void Another_architectures_head_is_refused_naming_the_tensor()
    {
        using var seed = ExpressionModel.Create(ModelArchitecture.Seed, seed: 1);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            seed.Network.Head.save(writer);
        }

        var error = Assert.Throws<InvalidDataException>(() => Load(stream.ToArray()));

        error.AssertSays("tensor 'fc1.weight' has");
    }

    [Fact]
    public void Mutated_heads_load_back_or_are_refused()
    {
        var tally = new FuzzTally();
        TensorFiles.Mutations(TensorFiles.Parse(_saved, TensorLayout.StateDict).Count).Sample(
            mutation =>
            {
                PersonalHead head;
                try
                {
                    head = Load(TensorFiles.Apply(_saved, TensorLayout.StateDict, mutation));
                }
                catch (InvalidDataException)
                {
                    tally.CountRefused();
                    return;
                }

                using (head)
                {
                    tally.CountLoaded();
                    using var again = Load(Saved(head));
                    var probabilities = _model.PredictProbabilities(_faces, FaceCount, head);
                    Assert.All(probabilities, p => Assert.True(float.IsFinite(p), $"probability {p}"));
                    Assert.Equal(probabilities, _model.PredictProbabilities(_faces, FaceCount, again));
                }
            },
            iter: 1000);
        tally.AssertBoth();
    }

    [Fact]
    public void A_head_with_non_finite_weights_is_not_saved()
    {
        var faces = TestFaces.Make(7);
        using var head = PersonalHead.Train(_model, _model.ExtractFeatures(faces.Pixels, faces.Labels), null, new HeadTrainingOptions { Steps = 1 });
        using (TorchSharp.torch.no_grad())
        {
            head.Module.parameters().Last().fill_(float.PositiveInfinity);
        }

        using var stream = new MemoryStream();
        var error = Assert.Throws<InvalidOperationException>(() => head.Save(stream));

        error.AssertSays("'fc2.bias' holds NaN or infinite values");
        Assert.Equal(0, stream.Length);
    }

    private PersonalHead Load(byte[] content)
    {
        using var stream = new MemoryStream(content);
        return PersonalHead.Load(stream, _model, _model.Fingerprint());
    }

    private static byte[] Saved(PersonalHead head)
    {
        using var stream = new MemoryStream();
        head.Save(stream);
        return stream.ToArray();
    }

    /// <summary>A head trained once for the class, and its saved weights.</summary>
    public sealed class TrainedHead : IDisposable
    {
        public TrainedHead()
        {
            var faces = TestFaces.Make(14);
            using var head = PersonalHead.Train(Model, Model.ExtractFeatures(faces.Pixels, faces.Labels), null, new HeadTrainingOptions { Steps = 3 });
            Saved = PersonalHeadFileTests.Saved(head);
        }

        public ExpressionModel Model { get; } = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 6);

        public byte[] Saved { get; }

        public void Dispose() => Model.Dispose();
    }
}
