using PersonalFer.Data;
using static TorchSharp.torch;

namespace PersonalFer.Model;

/// <summary>
/// The one conversion from face bytes to network input, used by training, evaluation, personalization and
/// inference alike: [N, 1, 48, 48] float32, pixel / 255, then (x − mean) / std from the model's manifest.
/// </summary>
internal static class FaceTensors
{
    /// <summary>Pixels scaled to [0, 1], shape [N, 1, 48, 48], in the caller's dispose scope.</summary>
    public static Tensor Unit(ReadOnlySpan<byte> faces, int count)
    {
        using var bytes = tensor(faces.ToArray(), [count, 1, FaceImage.Size, FaceImage.Size]);
        return bytes.to(float32).div_(255f);
    }

    /// <summary>Standardizes unit-range pixels in place with the manifest's normalization.</summary>
    public static Tensor Normalize(Tensor unit, ModelManifest manifest) =>
        unit.sub_(manifest.NormalizationMean).div_(manifest.NormalizationStd);
}
