using TorchSharp;
using static TorchSharp.torch;

namespace PersonalFer.Model.Tests;

/// <summary>
/// The managed stream draws the keep masks libtorch draws: <c>rand(n, generator).ge_(p)</c> from a generator of the
/// same seed, over many draws in a row (across the generator's 624-number blocks) and whatever the draws' lengths.
/// </summary>
public sealed class MersenneTwisterTests
{
    [Theory]
    [InlineData(0UL, 0.4)]
    [InlineData(42UL, 0.4)]
    [InlineData(5489UL, 0.5)]
    [InlineData(123_456_789UL, 0.1)]
    [InlineData(0x1_0000_0007UL, 0.9)]
    [InlineData(ulong.MaxValue, 0.25)]
    public void It_draws_the_keep_masks_libtorch_draws_from_a_generator_of_the_same_seed(ulong seed, double dropProbability)
    {
        // Lengths below, at and across a block's end, within one vector and not a multiple of it, and a head's layers.
        int[] lengths = [1, 7, 8, 616, 623, 624, 625, 1000, 64 * 2304, 64 * 256, 3, 1249, 64 * 2304, 64 * 256];
        using var generator = new Generator(seed);
        using var probability = dropProbability.ToScalar();
        var stream = new MersenneTwister(seed);

        foreach (var length in lengths)
        {
            using var expected = rand([length], generator: generator).ge_(probability);
            var actual = new float[length];
            stream.FillKeepMask(actual, dropProbability);

            Assert.Equal(expected.data<float>().ToArray(), actual);
        }
    }

    [Fact]
    public void Masks_keep_about_the_share_not_dropped()
    {
        var mask = new float[100_000];
        new MersenneTwister(3).FillKeepMask(mask, 0.4);

        Assert.All(mask, value => Assert.True(value is 0 or 1));
        Assert.InRange(mask.Average(), 0.59, 0.61);
    }
}
