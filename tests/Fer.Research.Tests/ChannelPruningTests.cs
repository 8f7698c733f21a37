using PersonalFer.Model;
using PersonalFer.Tests;

namespace PersonalFer.Research.Tests;

public sealed class ChannelPruningTests
{
    /// <summary>
    /// A VggBn network in which exactly the channels that VggBnCompact has no room for are silent (BatchNorm scale
    /// and shift zero, so they output ReLU(0) = 0 and nothing downstream reads anything from them). Every other
    /// channel has a scale of at least 0.5, at a random place among the layer's channels.
    /// </summary>
    private static (ExpressionModel Model, Dictionary<string, int[]> Silent) WithSilentChannels()
    {
        using var compact = ExpressionModel.Create(ModelArchitecture.VggBnCompact, seed: 0);
        using var full = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 7);
        var (weights, narrow) = (full.Weights().ToDictionary(), compact.Weights());
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
                (gamma[c], beta[c]) = silent[scale].Contains(c) ? (0f, 0f) : (0.5f + (float)random.NextDouble(), (float)random.NextDouble() - 0.5f);
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
        var (full, silent) = WithSilentChannels();
        using var _ = full;
        var faces = TestFaces.Make(16);

        using var pruned = ExpressionModel.FromWeights(ModelArchitecture.VggBnCompact, ChannelPruning.Prune(full, ModelArchitecture.VggBnCompact));
        pruned.Precision = InferencePrecision.Float32;

        // Keeping any silent channel would drop a live one, and a wrong column of the head would mix up features.
        Assert.NotEmpty(silent["features.block4.bn2.weight"]);
        var expected = full.PredictProbabilities(faces.Pixels, faces.Count);
        var actual = pruned.PredictProbabilities(faces.Pixels, faces.Count);
        Assert.Equal(expected, actual, (a, b) => Math.Abs(a - b) <= 1e-5f);
        Assert.Equal(ModelArchitecture.VggBnCompact, pruned.Architecture);
    }

    [Fact]
    public void Kept_channels_are_those_with_the_largest_BatchNorm_scale_and_keep_their_order()
    {
        var (full, silent) = WithSilentChannels();
        using var _ = full;

        var pruned = ChannelPruning.Prune(full, ModelArchitecture.VggBnCompact);

        var before = full.Weights()["features.block2.bn1.weight"].Values;
        int[] kept = [.. Enumerable.Range(0, before.Length).Where(c => !silent["features.block2.bn1.weight"].Contains(c))];
        Assert.Equal(kept.Select(c => before[c]), pruned["features.block2.bn1.weight"].Values);
        Assert.Equal(kept.Select(c => full.Weights()["features.block2.bn1.running_var"].Values[c]), pruned["features.block2.bn1.running_var"].Values);
    }
}
