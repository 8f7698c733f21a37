using PersonalFer.Data;

namespace PersonalFer.Model.Tests;

public sealed class ExpressionModelTests
{
    [Fact]
    public void Seed_network_has_the_seed_parameter_count()
    {
        using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 1);
        Assert.Equal(2_345_607, model.ParameterCount);
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
