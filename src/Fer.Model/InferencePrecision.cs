namespace PersonalFer.Model;

/// <summary>The number format the feature extractor computes in at inference. Training is always float32.</summary>
public enum InferencePrecision
{
    /// <summary>32-bit floats: exactly the trained network.</summary>
    Float32,

    /// <summary>
    /// bfloat16 weights and activations in the convolutional feature extractor (the head stays float32): about
    /// 1.6× faster for batches on CPUs that compute bfloat16 natively (AVX-512 BF16, AMX), slower on others.
    /// Batches of fewer than 8 faces run in float32 all the same: there it gains nothing.
    /// </summary>
    BFloat16,
}
