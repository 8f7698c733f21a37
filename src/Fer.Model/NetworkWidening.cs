namespace PersonalFer.Model;

/// <summary>
/// Turns a trained <see cref="ModelArchitecture.VggBn"/> into a <see cref="ModelArchitecture.VggBnWide"/> that
/// computes exactly the same probabilities (function-preserving widening, as in Net2Net, Chen et al. 2016), so
/// the wide network trains on from what the narrow one learned instead of from scratch.
/// </summary>
public static class NetworkWidening
{
    /// <summary>Widens a trained VggBn's last block from 256 to 512 channels.</summary>
    /// <remarks>
    /// Each tensor of the source fills the leading corner of the wide one. The new channels' own weights start as a
    /// freshly initialized network's (from <paramref name="seed"/>); every weight from a new channel into an existing
    /// unit starts at zero, so the existing units, and with them the output, compute what they did until training
    /// moves those zeros. General replay features are not carried over: they have the narrow feature length.
    /// </remarks>
    /// <param name="source">A trained VggBn model (left unchanged).</param>
    /// <param name="seed">Seeds the initialization of the new channels.</param>
    /// <exception cref="ArgumentException"><paramref name="source"/> is not a VggBn network.</exception>
    public static ExpressionModel Widen(ExpressionModel source, int seed)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Architecture != ModelArchitecture.VggBn)
        {
            throw new ArgumentException($"Only a VggBn network widens (to VggBnWide); this one is a {source.Architecture}.", nameof(source));
        }

        var narrow = source.Weights();
        using var fresh = ExpressionModel.Create(ModelArchitecture.VggBnWide, seed);
        var wide = fresh.Weights().ToDictionary(entry => entry.Key, entry => Embed(narrow[entry.Key], entry.Value));
        return ExpressionModel.FromWeights(ModelArchitecture.VggBnWide, wide, $"NetworkWidening.Widen(seed {seed}) of: {source.Manifest.Command}");
    }

    // Dimension 0 of every tensor indexes output units (convolution [out, in, h, w], linear [out, in], normalization
    // [channels]), and the flattened features put channel c at [c·9, c·9 + 9), so the narrow network's units and
    // inputs are exactly the leading indices of each wide dimension.
    private static WeightArray Embed(WeightArray narrow, WeightArray fresh)
    {
        if (narrow.Shape.SequenceEqual(fresh.Shape))
        {
            return narrow;
        }

        var rank = fresh.Shape.Length;
        var values = (float[])fresh.Values.Clone();
        var index = new long[rank];
        for (var flat = 0; flat < values.Length; flat++)
        {
            var remainder = (long)flat;
            for (var d = rank - 1; d >= 0; d--)
            {
                index[d] = remainder % fresh.Shape[d];
                remainder /= fresh.Shape[d];
            }

            if (index[0] >= narrow.Shape[0])
            {
                continue; // a new unit keeps its fresh weights
            }

            values[flat] = InNarrow(index, narrow.Shape, out var narrowFlat) ? narrow.Values[narrowFlat] : 0f;
        }

        return new WeightArray(fresh.Shape, values);
    }

    private static bool InNarrow(long[] index, long[] shape, out long flat)
    {
        flat = 0;
        for (var d = 0; d < shape.Length; d++)
        {
            if (index[d] >= shape[d])
            {
                return false;
            }

            flat = (flat * shape[d]) + index[d];
        }

        return true;
    }
}
