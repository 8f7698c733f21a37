using PersonalFer.Model;

namespace PersonalFer.Research;

/// <summary>
/// Makes a narrower network of the same layout from a trained one, as the start of its distillation: each
/// convolution keeps the output channels whose BatchNorm scale |γ| is largest (network slimming, Liu et al., 2017),
/// and every later layer keeps the inputs that match them, the head's first layer included. The widths come from
/// the target architecture; its running statistics are re-estimated by training (or `recalibrate`).
/// </summary>
internal static class ChannelPruning
{
    private const string ConvolutionSuffix = ".weight";

    public static IReadOnlyDictionary<string, WeightArray> Prune(ExpressionModel trained, ModelArchitecture target)
    {
        var source = trained.Weights();
        IReadOnlyDictionary<string, WeightArray> shapes;
        using (var blank = ExpressionModel.Create(target, seed: 0))
        {
            shapes = blank.Weights();
        }

        var pruned = new Dictionary<string, WeightArray>();
        int[] inputs = [.. Enumerable.Range(0, (int)source[Convolutions(source)[0]].Shape[1])];
        foreach (var convolution in Convolutions(source))
        {
            var norm = convolution.Replace(".conv", ".bn", StringComparison.Ordinal)[..^ConvolutionSuffix.Length];
            var keep = Largest(source[norm + ".weight"].Values, (int)shapes[convolution].Shape[0]);
            pruned[convolution] = Select(source[convolution], keep, inputs);
            foreach (var statistic in new[] { ".weight", ".bias", ".running_mean", ".running_var" })
            {
                pruned[norm + statistic] = Select(source[norm + statistic], keep, null);
            }

            pruned[norm + ".num_batches_tracked"] = source[norm + ".num_batches_tracked"];
            inputs = keep;
        }

        // The head's first layer reads the last block's feature map flattened channel by channel.
        var head = source.Keys.First(k => k.StartsWith("head.", StringComparison.Ordinal) && source[k].Shape.Length == 2);
        var perChannel = (int)(source[head].Shape[1] / source[Convolutions(source)[^1]].Shape[0]);
        int[] columns = [.. inputs.SelectMany(c => Enumerable.Range(c * perChannel, perChannel))];
        pruned[head] = Select(source[head], null, columns);
        foreach (var key in source.Keys.Where(k => !pruned.ContainsKey(k)))
        {
            pruned[key] = source[key];
        }

        foreach (var (key, shape) in shapes)
        {
            if (!pruned[key].Shape.SequenceEqual(shape.Shape))
            {
                throw new InvalidOperationException($"{key}: pruned to [{string.Join(", ", pruned[key].Shape)}], {target} needs [{string.Join(", ", shape.Shape)}].");
            }
        }

        return pruned;
    }

    /// <summary>The convolutions' weights in the order the network applies them.</summary>
    private static List<string> Convolutions(IReadOnlyDictionary<string, WeightArray> weights) =>
        [.. weights.Keys.Where(k => k.Contains(".conv", StringComparison.Ordinal) && k.EndsWith(ConvolutionSuffix, StringComparison.Ordinal))];

    /// <summary>Indices of the <paramref name="count"/> largest |γ|, in ascending order of index.</summary>
    private static int[] Largest(float[] scales, int count) =>
        [.. Enumerable.Range(0, scales.Length).OrderByDescending(i => Math.Abs(scales[i])).Take(count).Order()];

    /// <summary>The rows <paramref name="rows"/> (all when null) and, of a matrix or kernel, the columns <paramref name="columns"/>.</summary>
    private static WeightArray Select(WeightArray weights, int[]? rows, int[]? columns)
    {
        var shape = weights.Shape;
        rows ??= [.. Enumerable.Range(0, (int)shape[0])];
        var inner = shape.Length > 1 ? (int)shape[1] : 1;
        columns ??= [.. Enumerable.Range(0, inner)];
        var cell = (int)shape.Skip(2).Aggregate(1L, (a, b) => a * b);
        var values = new float[rows.Length * columns.Length * cell];
        var at = 0;
        foreach (var row in rows)
        {
            foreach (var column in columns)
            {
                Array.Copy(weights.Values, ((long)row * inner + column) * cell, values, at, cell);
                at += cell;
            }
        }

        long[] newShape = shape.Length > 1 ? [rows.Length, columns.Length, .. shape.Skip(2)] : [rows.Length];
        return new WeightArray(newShape, values);
    }
}
