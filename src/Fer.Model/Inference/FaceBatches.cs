using PersonalFer.Data;
using static TorchSharp.torch;

namespace PersonalFer.Model;

/// <summary>
/// The one loop that runs many faces through a network: consecutive batches, each as a unit-range tensor
/// [count, 1, 48, 48] in its own dispose scope, so native memory stays bounded by one batch whatever the set's size.
/// </summary>
internal static class FaceBatches
{
    /// <summary>
    /// Faces per forward pass when the whole set is known up front (evaluation, feature extraction, BatchNorm
    /// passes): large enough to keep oneDNN's kernels busy, small enough that activations stay in tens of MB.
    /// </summary>
    public const int InferenceBatchSize = 256;

    /// <summary>A batch: its unit-range faces (disposed after the callback), first index and size.</summary>
    public delegate void BatchAction(Tensor unitFaces, int start, int count);

    /// <summary>Calls <paramref name="action"/> for each batch of <paramref name="faces"/> (<paramref name="faceCount"/> × 2304 bytes).</summary>
    public static void ForEach(ReadOnlySpan<byte> faces, int faceCount, BatchAction action, int batchSize = InferenceBatchSize)
    {
        for (var start = 0; start < faceCount; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var count = Math.Min(batchSize, faceCount - start);
            action(FaceTensors.Unit(faces.Slice(start * FaceImage.PixelCount, count * FaceImage.PixelCount), count), start, count);
        }
    }
}
