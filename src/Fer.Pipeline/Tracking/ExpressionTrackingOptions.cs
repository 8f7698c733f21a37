namespace PersonalFer;

/// <summary>Settings of <see cref="ExpressionTracker"/>, validated when it is built.</summary>
public sealed record ExpressionTrackingOptions
{
    /// <summary>A face continues a track when its box overlaps the track's last box by at least this much (IoU, 0–1; default 0.3).</summary>
    public double MinimumOverlap { get; init; } = 0.3;

    /// <summary>
    /// Weight of the newest frame in each track's exponential moving average of probabilities: 1 turns smoothing
    /// off, 0.3 (default) settles within about five frames.
    /// </summary>
    public double NewFrameWeight { get; init; } = 0.3;

    /// <summary>A track not matched for more than this many frames (default 5) ends; a face seen again starts a new one.</summary>
    public int MaxMissedFrames { get; init; } = 5;

    internal void Validate()
    {
        // Written as "not inside" so NaN fails too.
        if (!(MinimumOverlap is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(MinimumOverlap), MinimumOverlap, "must be in (0, 1]");
        }

        if (!(NewFrameWeight is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(NewFrameWeight), NewFrameWeight, "must be in (0, 1]");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(MaxMissedFrames, nameof(MaxMissedFrames));
    }
}
