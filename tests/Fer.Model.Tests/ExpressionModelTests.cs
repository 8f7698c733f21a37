using PersonalFer.Data;

namespace PersonalFer.Model.Tests;

public sealed class ExpressionModelTests
{
    [Theory]
    [InlineData(ModelArchitecture.Seed, 2_345_607, 128 * 4 * 4)]
    [InlineData(ModelArchitecture.VggBn, 1_764_519, 256 * 3 * 3)]
    [InlineData(ModelArchitecture.VggBnCompact, 1_070_295, 192 * 3 * 3)]
    public void Each_network_has_its_documented_parameter_count_and_feature_size(ModelArchitecture architecture, long parameters, int features)
    {
        using var model = ExpressionModel.Create(architecture, seed: 1);
        Assert.Equal(parameters, model.ParameterCount);
        Assert.Equal(features, model.Network.FeatureSize);
    }

    [Fact]
    public void Probabilities_are_a_distribution_per_face_and_reproducible_from_the_seed()
    {
        var faces = new byte[3 * FaceImage.PixelCount];
        new Random(5).NextBytes(faces);
        using var first = ExpressionModel.Create(ModelArchitecture.Seed, seed: 3);
        using var second = ExpressionModel.Create(ModelArchitecture.Seed, seed: 3);

        var probabilities = first.PredictProbabilities(faces, 3);

        Assert.Equal(3 * Expressions.Count, probabilities.Length);
        for (var face = 0; face < 3; face++)
        {
            var row = probabilities.AsSpan(face * Expressions.Count, Expressions.Count).ToArray();
            Assert.All(row, p => Assert.InRange(p, 0f, 1f));
            Assert.Equal(1.0, row.Sum(), 4);
        }

        Assert.Equal(probabilities, second.PredictProbabilities(faces, 3));
    }

    [Fact]
    public void Wrong_input_length_names_the_expected_size()
    {
        using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 1);
        var error = Assert.Throws<ArgumentException>(() => model.PredictProbabilities(new byte[100], 1));
        Assert.Contains("2304", error.Message, StringComparison.Ordinal);
    }
}
