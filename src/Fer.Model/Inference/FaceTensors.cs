using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
    public static Tensor Unit(ReadOnlySpan<byte> faces, int count) => Unit(faces, [count, 1, FaceImage.Size, FaceImage.Size]);

    private static Tensor Unit(ReadOnlySpan<byte> faces, long[] shape)
    {
        using var bytes = empty(shape, uint8);
        faces[..checked((int)bytes.numel())].CopyTo(bytes.bytes);
        using var maxPixel = ((float)byte.MaxValue).ToScalar();
        return bytes.to(float32).div_(maxPixel);
    }

    /// <summary>
    /// A [rows, columns] float32 tensor holding <paramref name="values"/>, copied straight into native memory in one
    /// block (torch.tensor would first clone the array: 18 MB of garbage per fine-tune for the general replay; a
    /// tensor accessor copies value by value, ten times slower).
    /// </summary>
    public static Tensor Matrix(float[] values, int rows, int columns)
    {
        var matrix = empty([rows, columns], float32);
        MemoryMarshal.AsBytes(values.AsSpan(0, checked(rows * columns))).CopyTo(matrix.bytes);
        return matrix;
    }

    /// <summary>Standardizes unit-range pixels in place with the manifest's normalization.</summary>
    public static Tensor Normalize(Tensor unit, ModelManifest manifest)
    {
        using var mean = manifest.NormalizationMean.ToScalar();
        using var std = manifest.NormalizationStd.ToScalar();
        return unit.sub_(mean).div_(std);
    }

    /// <summary>
    /// The normalized value of each pixel byte, computed by <see cref="Unit(ReadOnlySpan{byte}, int)"/> and <see cref="Normalize"/>
    /// themselves so that <see cref="Normalized"/> gives exactly their values.
    /// </summary>
    public static float[] NormalizationTable(ModelManifest manifest)
    {
        var bytes = new byte[byte.MaxValue + 1];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)i;
        }

        using var scope = NewDisposeScope();
        return Normalize(Unit(bytes, [bytes.Length]), manifest).data<float>().ToArray();
    }

    /// <summary>
    /// Normalized input [N, 1, 48, 48] float32 for <paramref name="count"/> faces, in the caller's dispose scope: one
    /// table lookup per pixel, written straight into the tensor, instead of four passes of tensor ops.
    /// </summary>
    // Optimized from its first call: a fine-tune runs it over every pixel, and left to tiered compilation
    // such loops ran unoptimized through a process's first fine-tunes (the first took about twice as long).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Tensor Normalized(ReadOnlySpan<byte> faces, int count, float[] table)
    {
        var input = empty([count, 1, FaceImage.Size, FaceImage.Size], float32);
        var destination = MemoryMarshal.Cast<byte, float>(input.bytes);
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = table[faces[i]];
        }

        return input;
    }
}
