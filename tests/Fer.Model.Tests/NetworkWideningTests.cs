using PersonalFer.Data;

namespace PersonalFer.Model.Tests;

/// <summary>Widening a trained VggBn into a VggBnWide that starts out computing exactly what it did.</summary>
public sealed class NetworkWideningTests
{
    [Fact]
    public void The_widened_default_model_predicts_what_the_default_model_predicts()
    {
        var faces = RealFaces.First(Fer2013Split.PrivateTest, 64);
        using var narrow = ExpressionModel.LoadDefault();
        narrow.Precision = InferencePrecision.Float32;

        using var wide = NetworkWidening.Widen(narrow, seed: 1);
        wide.Precision = InferencePrecision.Float32;

        Assert.Equal(ModelArchitecture.VggBnWide, wide.Architecture);
        Assert.Equal(4_419_751, wide.ParameterCount);
        Assert.Null(wide.GeneralReplay); // the narrow replay has the wrong feature length
        var expected = narrow.PredictProbabilities(faces.Pixels, faces.Count);
        var actual = wide.PredictProbabilities(faces.Pixels, faces.Count);
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-5f);
        }
    }

    [Fact]
    public void Old_units_keep_their_weights_ignore_the_new_channels_and_new_channels_start_fresh()
    {
        using var narrow = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 2);
        using var fresh = ExpressionModel.Create(ModelArchitecture.VggBnWide, seed: 9);

        using var wide = NetworkWidening.Widen(narrow, seed: 9);

        var (n, f, w) = (narrow.Weights(), fresh.Weights(), wide.Weights());
        Assert.Equal(n["features.block3.conv2.weight"].Values, w["features.block3.conv2.weight"].Values);
        Assert.Equal(n["head.fc2.weight"].Values, w["head.fc2.weight"].Values);

        // block4.conv2: [512 out, 512 in, 3, 3]; the narrow one is [256, 256, 3, 3].
        var conv2 = w["features.block4.conv2.weight"];
        Assert.Equal([512L, 512, 3, 3], conv2.Shape);
        Assert.Equal(n["features.block4.conv2.weight"].Values[At([256, 256, 3, 3], 7, 100, 1, 2)], conv2.Values[At(conv2.Shape, 7, 100, 1, 2)]);
        Assert.Equal(0f, conv2.Values[At(conv2.Shape, 7, 300, 1, 2)]);
        Assert.Equal(f["features.block4.conv2.weight"].Values[At(conv2.Shape, 300, 7, 1, 2)], conv2.Values[At(conv2.Shape, 300, 7, 1, 2)]);
        Assert.NotEqual(0f, conv2.Values[At(conv2.Shape, 300, 7, 1, 2)]);

        // head.fc1: [256, 512·9]; feature c·9 + k comes from channel c, so features from 256·9 on are new.
        var fc1 = w["head.fc1.weight"];
        Assert.Equal([256L, 4608], fc1.Shape);
        Assert.Equal(n["head.fc1.weight"].Values[At([256, 2304], 5, 2303)], fc1.Values[At(fc1.Shape, 5, 2303)]);
        Assert.Equal(0f, fc1.Values[At(fc1.Shape, 5, 2304)]);

        var runningVariance = w["features.block4.bn2.running_var"];
        Assert.Equal(n["features.block4.bn2.running_var"].Values, runningVariance.Values[..256]);
        Assert.All(runningVariance.Values[256..], v => Assert.Equal(1f, v));
    }

    [Fact]
    public void A_widened_model_personalizes_on_its_longer_features()
    {
        var person = RealFaces.First(Fer2013Split.PublicTest, 48);
        var general = RealFaces.First(Fer2013Split.Training, 256);
        using var narrow = ExpressionModel.LoadDefault();
        using var wide = NetworkWidening.Widen(narrow, seed: 1);
        wide.Precision = InferencePrecision.Float32;
        var before = Accuracy(wide.PredictProbabilities(person.Pixels, person.Count), person.Labels);

        var features = wide.ExtractFeatures(person.Pixels, person.Labels);
        using var head = PersonalHead.Train(wide, features, wide.ExtractFeatures(general.Pixels, general.Labels), new HeadTrainingOptions { Steps = 200 });

        Assert.Equal(512 * 3 * 3, features.Length);
        Assert.Equal(ModelArchitecture.VggBnWide, head.Architecture);
        var after = Accuracy(wide.PredictProbabilities(person.Pixels, person.Count, head), person.Labels);
        Assert.True(after > before + 0.1, $"the person's faces: {before:P1} before their head, {after:P1} with it");
    }

    [Fact]
    public void Widening_is_reproducible_from_its_seed()
    {
        using var narrow = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 2);

        using var first = NetworkWidening.Widen(narrow, seed: 5);
        using var again = NetworkWidening.Widen(narrow, seed: 5);
        using var other = NetworkWidening.Widen(narrow, seed: 6);

        Assert.Equal(first.Fingerprint(), again.Fingerprint());
        Assert.NotEqual(first.Fingerprint(), other.Fingerprint());
    }

    [Theory]
    [InlineData(ModelArchitecture.Seed)]
    [InlineData(ModelArchitecture.VggBnWide)]
    public void Only_a_VggBn_network_widens(ModelArchitecture architecture)
    {
        using var model = ExpressionModel.Create(architecture, seed: 1);

        var error = Assert.Throws<ArgumentException>(() => NetworkWidening.Widen(model, seed: 1));

        Assert.Contains($"this one is a {architecture}", error.Message);
    }

    private static double Accuracy(float[] probabilities, IReadOnlyList<Expression> labels) =>
        labels.Where((label, i) => PredictedClasses.ArgMax(probabilities, i) == (int)label).Count() / (double)labels.Count;

    private static int At(long[] shape, params long[] index)
    {
        long flat = 0;
        for (var d = 0; d < shape.Length; d++)
        {
            flat = (flat * shape[d]) + index[d];
        }

        return (int)flat;
    }
}
