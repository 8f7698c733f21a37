namespace PersonalFer.Detection;

/// <summary>Settings of <see cref="YuNetFaceDetector"/>, validated when the detector is built.</summary>
public sealed record YuNetOptions
{
    /// <summary>
    /// Frames are shrunk so their longer side is at most this many pixels before detection (boxes are mapped back).
    /// The default, 160, suits PersonalFer's main case, a person in front of a camera (faces of 60 pixels and more
    /// in a 640×480 frame), at about 2 ms here; 320 (about 4.5 ms) also finds faces down to about 20 pixels, for
    /// group photos or people far from the camera (measured in docs/BENCHMARKS.md).
    /// </summary>
    public int MaxDetectionSide { get; init; } = 160;

    /// <summary>Minimum face score in [0, 1] (OpenCV Zoo's demo uses 0.6; 0.9 is stricter).</summary>
    public float ScoreThreshold { get; init; } = 0.7f;

    /// <summary>Overlap above which the weaker of two boxes is dropped.</summary>
    public float NmsThreshold { get; init; } = 0.3f;

    /// <summary>At most this many candidates before non-maximum suppression.</summary>
    public int TopK { get; init; } = 500;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDetectionSide, 32, nameof(MaxDetectionSide));
        if (ScoreThreshold is < 0 or > 1 || NmsThreshold is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ScoreThreshold), "ScoreThreshold and NmsThreshold must be in [0, 1].");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(TopK, nameof(TopK));
    }
}
