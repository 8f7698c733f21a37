using PersonalFer.Model;
using PersonalFer.Tests;
using TorchSharp;

namespace PersonalFer.Research.Tests;

public sealed class MixupTests
{
    [Theory]
    [InlineData(0.2)]
    [InlineData(1.0)]
    [InlineData(2.5)]
    public void Mixup_ratios_follow_a_symmetric_Beta_distribution(double alpha)
    {
        var random = new Random(3);
        var draws = Enumerable.Range(0, 20_000).Select(_ => Mixup.SampleBeta(random, alpha)).ToArray();

        var mean = draws.Average();
        var variance = draws.Select(d => (d - mean) * (d - mean)).Average();
        Assert.All(draws, d => Assert.InRange(d, 0, 1));
        Assert.InRange(mean, 0.49, 0.51);
        var expectedVariance = 1 / (4 * ((2 * alpha) + 1)); // Beta(α, α): 1 / (4 (2α + 1))
        Assert.InRange(variance, expectedVariance * 0.95, expectedVariance * 1.05);
    }

    [Fact]
    public void Mixup_blends_each_face_with_its_partner_at_the_drawn_ratio()
    {
        var faces = TestFaces.Make(16);
        using var scope = torch.NewDisposeScope();
        var unit = FaceTensors.Unit(faces.Pixels, faces.Count);
        using var generator = new torch.Generator(7);

        var batch = Mixup.Blend(unit, alpha: 0.4, new Random(1), generator);

        var partners = batch.Partners.data<long>().ToArray();
        Assert.Equal(Enumerable.Range(0, faces.Count).Select(i => (long)i), partners.Order());
        Assert.Contains(partners.Select((p, i) => (p, i)), pair => pair.p != pair.i);
        Assert.InRange(batch.Ratio, 0, 1);
        for (var i = 0; i < faces.Count; i++)
        {
            var expected = unit[i].mul(batch.Ratio).add(unit[partners[i]].mul(1 - batch.Ratio));
            Assert.True(batch.Faces[i].allclose(expected, rtol: 0, atol: 1e-6), $"face {i} is not its blend with face {partners[i]}");
        }
    }
}
