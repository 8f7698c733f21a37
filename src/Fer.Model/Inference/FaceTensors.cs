using TorchSharp;
using PersonalFer.Data;
using static TorchSharp.torch;

namespace PersonalFer.Model;

/// <summary>
/// The one conversion from face bytes to network input, used by training, evaluation, personalization and
/// inference alike: [N, 1, 48, 48] float32, pixel / 255, then (x − mean) / std from the model's manifest.
/// Scalars are created and disposed explicitly: an implicitly converted one is left to the finalizer, which can free
/// it while another thread's native call still reads it.
/// </summary>
internal static class FaceTensors
{
    /// <summary>Pixels scaled to [0, 1], shape [N, 1, 48, 48], in the caller's dispose scope.</summary>
    public static Tensor Unit(ReadOnlySpan<byte> faces, int count)
    {
        using var bytes = empty([count, 1, FaceImage.Size, FaceImage.Size], uint8);
        bytes.data<byte>().CopyFrom(faces);
        using var maxPixel = ((float)byte.MaxValue).ToScalar();
        return bytes.to(float32).div_(maxPixel);
    }

    /// <summary>
    /// A [rows, columns] float32 tensor holding <paramref name="values"/>, copied straight into native memory
    /// (torch.tensor would first clone the array: 18 MB of garbage per fine-tune for the general replay).
    /// </summary>
    public static Tensor Matrix(float[] values, int rows, int columns)
    {
        var matrix = empty([rows, columns], float32);
        matrix.data<float>().CopyFrom(values);
        return matrix;
    }

    /// <summary>Standardizes unit-range pixels in place with the manifest's normalization.</summary>
    public static Tensor Normalize(Tensor unit, ModelManifest manifest)
    {
        using var mean = manifest.NormalizationMean.ToScalar();
        using var std = manifest.NormalizationStd.ToScalar();
        return unit.sub_(mean).div_(std);
    }
}
