using PersonalFer.Model;
using PersonalFer.Tests;

namespace PersonalFer.Research.Tests;

public sealed class ChannelPruningTests
{
    /// <summary>
    /// The shipped VggBn (trained weights and BatchNorm statistics) with exactly the channels that VggBnCompact has
    /// no room for made silent: BatchNorm scale and shift zero, so they output ReLU(0) = 0 and nothing downstream
    /// reads anything from them. The silent channels are a random choice per layer, and half the live ones have their
    /// scale negated, so ranking by γ instead of |γ| would keep the wrong ones.
    /// </summary>
    private static (ExpressionModel Model, Dictionary<string, int[]> Silent) WithSilentChannels()
    {
        using var compact = ExpressionModel.Create(ModelArchitecture.VggBnCompact, seed: 0);
        using var shipped = ExpressionModel.LoadDefault();
        var (weights, narrow) = (shipped.Weights().ToDictionary(), compact.Weights());
        var random = new Random(3);
        var silent = new Dictionary<string, int[]>();
        foreach (var scale in weights.Keys.Where(k => k.Contains(".bn", StringComparison.Ordinal) && k.EndsWith(".weight", StringComparison.Ordinal)).ToList())
        {
            var shift = scale.Replace(".weight", ".bias", StringComparison.Ordinal);
            var channels = weights[scale].Values.Length;
            silent[scale] = [.. Enumerable.Range(0, channels).OrderBy(_ => random.Next()).Take(channels - narrow[scale].Values.Length)];
            var (gamma, beta) = (weights[scale].Values.ToArray(), weights[shift].Values.ToArray());
            for (var c = 0; c < channels; c++)
            {
                (gamma[c], beta[c]) = silent[scale].Contains(c) ? (0f, 0f) : (random.Next(2) == 0 ? -gamma[c] : gamma[c], beta[c]);
                Assert.True(silent[scale].Contains(c) || gamma[c] != 0, $"{scale}[{c}] is live with a zero scale");
            }

            (weights[scale], weights[shift]) = (weights[scale] with { Values = gamma }, weights[shift] with { Values = beta });
        }

        var model = ExpressionModel.FromWeights(ModelArchitecture.VggBn, weights);
        model.Precision = InferencePrecision.Float32;
        return (model, silent);
    }

    [Fact]
    public void Pruning_away_silent_channels_leaves_every_prediction_as_it_was()
    {
        var (full, _) = WithSilentChannels();
        using var _ = full;
        var faces = TestFaces.Make(16);

        using var pruned = ExpressionModel.FromWeights(ModelArchitecture.VggBnCompact, ChannelPruning.Prune(full, ModelArchitecture.VggBnCompact));
        pruned.Precision = InferencePrecision.Float32;

        // Keeping any silent channel would drop a live one, and a wrong column of the head would mix up features.
        var expected = full.PredictProbabilities(faces.Pixels, faces.Count);
        var actual = pruned.PredictProbabilities(faces.Pixels, faces.Count);
        Assert.Equal(expected, actual, (a, b) => Math.Abs(a - b) <= 1e-5f);
        Assert.True(expected.Chunk(7).Select(p => p.ToArray()).Distinct(new ProbabilitiesDiffer()).Count() > 1, "the faces all got the same prediction, which would prove nothing");
        Assert.Equal(ModelArchitecture.VggBnCompact, pruned.Architecture);
    }

    [Fact]
    public void Kept_channels_are_those_with_the_largest_BatchNorm_scale_with_their_own_statistics_in_order()
    {
        var (full, silent) = WithSilentChannels();
        using var _ = full;
        var weights = full.Weights();

        var pruned = ChannelPruning.Prune(full, ModelArchitecture.VggBnCompact);

        foreach (var name in new[] { "features.block2.bn1", "features.block4.bn2" })
        {
            int[] kept = [.. Enumerable.Range(0, weights[name + ".weight"].Values.Length).Where(c => !silent[name + ".weight"].Contains(c))];
            foreach (var perChannel in new[] { ".weight", ".running_mean", ".running_var" })
            {
                Assert.Equal(kept.Select(c => weights[name + perChannel].Values[c]), pruned[name + perChannel].Values);
            }
        }
    }

    [Fact]
    public void A_target_of_another_layout_or_wider_is_refused_by_name()
    {
        using var seed = ExpressionModel.Create(ModelArchitecture.Seed, seed: 1);
        using var compact = ExpressionModel.Create(ModelArchitecture.VggBnCompact, seed: 1);

        Assert.Contains("VggBnCompact is not a narrower Seed: Seed has no features.block1.conv1.weight", Assert.Throws<ArgumentException>(() => ChannelPruning.Prune(seed, ModelArchitecture.VggBnCompact)).Message, StringComparison.Ordinal);
        Assert.Contains("VggBn is not a narrower VggBnCompact: features.block1.conv1.weight is [32, 1, 3, 3] there, [16, 1, 3, 3] in VggBnCompact",
            Assert.Throws<ArgumentException>(() => ChannelPruning.Prune(compact, ModelArchitecture.VggBn)).Message, StringComparison.Ordinal);
    }

    private sealed class ProbabilitiesDiffer : IEqualityComparer<float[]>
    {
        public bool Equals(float[]? x, float[]? y) => x!.Zip(y!).All(p => Math.Abs(p.First - p.Second) <= 1e-3f);

        public int GetHashCode(float[] obj) => 0;
    }
}
