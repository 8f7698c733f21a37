namespace PersonalFer.Data;

/// <summary>
/// Where a face sits in the 48×48 model input relative to the detector's box: a property of a model, because a
/// network only recognizes faces framed the way it learned them. Models store theirs in their manifest; inference,
/// personalization and evaluation through the pipeline all crop with it, and a profile records the framing it was
/// trained under.
/// </summary>
public sealed record FaceFraming
{
    /// <summary>The largest <see cref="Margin"/>: a crop three box sides wide.</summary>
    public const float MaxMargin = 1f;

    private readonly float _margin;

    /// <summary>
    /// The detector's box made square (its longer side), centred on the box, not rotated. YuNet's box on an upscaled
    /// FER2013 image is within about 1 % of the data set's own crop in side and centre, so a network trained on
    /// FER2013 sees faces framed this way as it saw them in training.
    /// </summary>
    public static FaceFraming DetectorBox { get; } = new();

    /// <summary>
    /// Context added around the square box on each side, as a fraction of its side, in [0, <see cref="MaxMargin"/>];
    /// 0 crops the box itself.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [0, <see cref="MaxMargin"/>], or not a number.</exception>
    public float Margin
    {
        get => _margin;
        init => _margin = value is >= 0 and <= MaxMargin
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Margin), value, $"must be in [0, {MaxMargin}]");
    }

    /// <summary>Rotate the crop so the eyes are level, when the detector gives landmarks.</summary>
    public bool AlignEyes { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"square box, margin {Margin:0.###} per side, {(AlignEyes ? "eyes levelled" : "not rotated")}";
}
