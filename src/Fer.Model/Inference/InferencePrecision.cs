namespace PersonalFer.Model;

/// <summary>The number format the feature extractor computes in at inference. Training is always float32.</summary>
public enum InferencePrecision
{
    /// <summary>32-bit floats: exactly the trained network.</summary>
    Float32,

    /// <summary>
    /// bfloat16 weights and activations in the convolutional feature extractor (the head stays float32): on CPUs
    /// that compute bfloat16 natively (AVX-512 BF16, AMX) about 2× faster for one face and 3× for a batch of 64
    /// (docs/BENCHMARKS.md); slower on others.
    /// </summary>
    BFloat16,
}
