using static TorchSharp.torch;

namespace PersonalFer.Research;

/// <summary>
/// Mixup (Zhang et al., 2018): each face of a batch is blended with another face of the same batch, and the loss
/// asks for the same blend of their labels. Under distillation the teachers label the blended face itself, which
/// gives the student targets on faces between the training images (Beyer et al., 2022, "function matching").
/// </summary>
internal static class Mixup
{
    /// <summary>A batch blended with a permutation of itself: ratio · faces + (1 − ratio) · faces[partners].</summary>
    /// <param name="Faces">The blended faces, in the caller's dispose scope.</param>
    /// <param name="Partners">For each face, the index of the face blended into it.</param>
    /// <param name="Ratio">The share of each face's own image and label.</param>
    public sealed record Batch(Tensor Faces, Tensor Partners, double Ratio);

    /// <summary>Blends <paramref name="faces"/> [N, …] with a random permutation of themselves at a Beta(α, α) ratio.</summary>
    public static Batch Blend(Tensor faces, double alpha, Random random, Generator generator)
    {
        var ratio = SampleBeta(random, alpha);
        var partners = randperm(faces.shape[0], generator: generator);
        var blended = faces.mul(ratio).add(faces.index_select(0, partners).mul(1 - ratio));
        return new Batch(blended, partners, ratio);
    }

    /// <summary>A Beta(α, α) draw as X / (X + Y) of two Gamma(α) draws.</summary>
    internal static double SampleBeta(Random random, double alpha)
    {
        var x = SampleGamma(random, alpha);
        var y = SampleGamma(random, alpha);
        return x + y == 0 ? 0.5 : x / (x + y);
    }

    /// <summary>
    /// Marsaglia and Tsang's method (2000) for shape ≥ 1; below 1, Gamma(α) = Gamma(α + 1) · U^(1/α).
    /// </summary>
    private static double SampleGamma(Random random, double shape)
    {
        if (shape < 1)
        {
            return SampleGamma(random, shape + 1) * Math.Pow(1 - random.NextDouble(), 1 / shape);
        }

        var d = shape - (1.0 / 3);
        var c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double z, v;
            do
            {
                z = StandardNormal(random);
                v = 1 + (c * z);
            }
            while (v <= 0);

            v = v * v * v;
            var u = 1 - random.NextDouble();
            if (Math.Log(u) < (0.5 * z * z) + d - (d * v) + (d * Math.Log(v)))
            {
                return d * v;
            }
        }
    }

    private static double StandardNormal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
