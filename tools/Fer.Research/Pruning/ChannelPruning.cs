using PersonalFer.Model;

namespace PersonalFer.Research;

/// <summary>
/// Makes a narrower network of the same layout from a trained one, as the start of its distillation: each
/// convolution keeps the output channels whose BatchNorm scale |γ| is largest (network slimming, Liu et al., 2017),
/// and every later layer keeps the inputs that match them, the head's first layer included. The widths come from
/// the target architecture. Nothing stands in for what a dropped channel contributed (a constant ReLU(β) where γ is
/// near zero): the distillation that follows relearns it, and the BatchNorm statistics are recomputed.
/// </summary>
internal static class ChannelPruning
{
    private const string HeadInput = "head.fc1.weight";

    /// <exception cref="ArgumentException">The target is not a narrower network of the trained model's layout.</exception>
    public static IReadOnlyDictionary<string, WeightArray> Prune(ExpressionModel trained, ModelArchitecture target)
    {
        var source = trained.Weights();
        IReadOnlyDictionary<string, WeightArray> targetShapes;
        using (var blank = ExpressionModel.Create(target, seed: 0))
        {
            targetShapes = blank.Weights();
        }

        CheckNarrower(source, targetShapes, trained.Architecture, target);
        // Block and layer names sort in the order the network applies them (block1..block4, conv1 then conv2).
        var convolutions = source.Keys.Where(k => k.Contains(".conv", StringComparison.Ordinal) && k.EndsWith(".weight", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
        var pruned = new Dictionary<string, WeightArray>();
        int[] inputs = [.. Enumerable.Range(0, (int)source[convolutions[0]].Shape[1])];
        foreach (var convolution in convolutions)
        {
            var norm = convolution.Replace(".conv", ".bn", StringComparison.Ordinal)[..^".weight".Length];
            var keep = LargestScales(source[norm + ".weight"].Values, (int)targetShapes[convolution].Shape[0]);
            pruned[convolution] = Slice(source[convolution], keep, inputs);
            foreach (var perChannel in new[] { ".weight", ".bias", ".running_mean", ".running_var" })
            {
                pruned[norm + perChannel] = Slice(source[norm + perChannel], keep, null);
            }

            inputs = keep;
        }

        // The head's first layer reads the last block's feature map flattened channel by channel.
        var positionsPerChannel = (int)(source[HeadInput].Shape[1] / source[convolutions[^1]].Shape[0]);
        int[] columns = [.. inputs.SelectMany(c => Enumerable.Range(c * positionsPerChannel, positionsPerChannel))];
        pruned[HeadInput] = Slice(source[HeadInput], null, columns);
        foreach (var key in source.Keys.Where(k => !pruned.ContainsKey(k)))
        {
            pruned[key] = source[key];
        }

        return pruned;
    }

    private static void CheckNarrower(IReadOnlyDictionary<string, WeightArray> source, IReadOnlyDictionary<string, WeightArray> target, ModelArchitecture from, ModelArchitecture to)
    {
        if (!source.ContainsKey(HeadInput))
        {
            throw new ArgumentException($"{from} has no {HeadInput}: it is not a network pruning knows.", nameof(from));
        }

        foreach (var (key, weights) in target)
        {
            if (!source.TryGetValue(key, out var trained) || trained.Shape.Length != weights.Shape.Length)
            {
                throw new ArgumentException($"{to} is not a narrower {from}: {(source.ContainsKey(key) ? $"{key} has another shape" : $"{from} has no {key}")}.", nameof(to));
            }

            if (trained.Shape.Zip(weights.Shape).Any(pair => pair.Second > pair.First))
            {
                throw new ArgumentException($"{to} is not a narrower {from}: {key} is [{string.Join(", ", weights.Shape)}] there, [{string.Join(", ", trained.Shape)}] in {from}.", nameof(to));
            }
        }
    }

    /// <summary>Indices of the <paramref name="count"/> largest |γ|, in ascending order of index.</summary>
    private static int[] LargestScales(float[] scales, int count) =>
        [.. Enumerable.Range(0, scales.Length).OrderByDescending(i => Math.Abs(scales[i])).Take(count).Order()];

    /// <summary>The rows <paramref name="rows"/> (all when null) and, of a matrix or kernel, the columns <paramref name="columns"/>.</summary>
    private static WeightArray Slice(WeightArray weights, int[]? rows, int[]? columns)
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
