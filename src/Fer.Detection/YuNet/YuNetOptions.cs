namespace PersonalFer.Detection;

/// <summary>Settings of <see cref="YuNetFaceDetector"/>, validated when the detector is built.</summary>
public sealed record YuNetOptions
{
    // YuNet's coarsest feature map has a stride of 32 pixels: a smaller input leaves it nothing to look at.
    private const int MinimumDetectionSide = 32;

    /// <summary>
    /// Frames are shrunk so their longer side is at most this many pixels before detection (boxes are mapped back).
    /// The default, 160, suits PersonalFer's main case, a person in front of a camera (faces of 60 pixels and more
    /// in a 640×480 frame); 320 costs a few milliseconds more per frame and also finds faces down to about 20 pixels,
    /// for group photos or people far from the camera (timings in docs/BENCHMARKS.md). At least 32.
    /// </summary>
    public int MaxDetectionSide { get; init; } = 160;

    /// <summary>Minimum face score in [0, 1]; default 0.7 (OpenCV Zoo's demo uses 0.6; 0.9 is stricter).</summary>
    public float ScoreThreshold { get; init; } = 0.7f;

    /// <summary>Overlap (IoU) above which the weaker of two boxes is dropped; default 0.3.</summary>
    public float NmsThreshold { get; init; } = 0.3f;

    /// <summary>At most this many candidates before non-maximum suppression; default 500.</summary>
    public int TopK { get; init; } = 500;

    /// <summary>
    /// false (default): a detection runs on its calling thread alone, whatever OpenCV's thread count, and changes no
    /// setting (OpenCV runs its parallel loops inside it serially, as it runs loops nested in another), so a call never
    /// waits for an OpenCV worker thread that another process holds. true: OpenCV's thread pool (<c>Cv2.SetNumThreads</c>)
    /// spreads each detection over the cores: on an idle machine a detection at the default size took 0.65 against
    /// 0.9 ms, while beside one busy process single calls took up to 30× the median (docs/BENCHMARKS.md).
    /// </summary>
    public bool UseOpenCvThreadPool { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDetectionSide, MinimumDetectionSide, nameof(MaxDetectionSide));
        UnitInterval(ScoreThreshold, nameof(ScoreThreshold));
        UnitInterval(NmsThreshold, nameof(NmsThreshold));

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(TopK, nameof(TopK));
    }

    private static void UnitInterval(float value, string name)
    {
        // Written as "not inside" so NaN fails too.
        if (!(value is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, 1].");
        }
    }
}
