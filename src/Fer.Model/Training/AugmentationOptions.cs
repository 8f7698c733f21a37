namespace PersonalFer.Model;

/// <summary>
/// Random training-time transformations, drawn from the trainer's seeded generator so a run is reproducible.
/// Geometry (rotation, scale, shift, flip) is one affine warp per image; photometric changes follow.
/// </summary>
public sealed record AugmentationOptions
{
    /// <summary>No augmentation at all.</summary>
    public static AugmentationOptions None { get; } = new()
    {
        MaxRotationDegrees = 0, MaxShift = 0, MaxScaleChange = 0, HorizontalFlip = false,
        MaxBrightness = 0, MaxContrastChange = 0, ErasingProbability = 0,
    };

    /// <summary>Rotation drawn from ±this many degrees.</summary>
    public double MaxRotationDegrees { get; init; } = 10;

    /// <summary>Shift drawn from ±this fraction of the image side, per axis (0.1 = ±4.8 pixels).</summary>
    public double MaxShift { get; init; } = 0.1;

    /// <summary>Zoom drawn from 1 ± this.</summary>
    public double MaxScaleChange { get; init; } = 0.1;

    /// <summary>Mirror half of the images left to right.</summary>
    public bool HorizontalFlip { get; init; } = true;

    /// <summary>Brightness offset drawn from ±this (pixel range 0–1).</summary>
    public double MaxBrightness { get; init; } = 0.1;

    /// <summary>Contrast factor drawn from 1 ± this, around each image's mean.</summary>
    public double MaxContrastChange { get; init; } = 0.2;

    /// <summary>Chance that a random rectangle (up to a third of each side) is blanked to the image mean.</summary>
    public double ErasingProbability { get; init; } = 0.25;

    internal void Validate()
    {
        OptionChecks.InRange(MaxRotationDegrees, 0, 180, nameof(MaxRotationDegrees), highIncluded: true);
        OptionChecks.InRange(MaxShift, 0, 1, nameof(MaxShift), highIncluded: true);
        OptionChecks.InRange(MaxScaleChange, 0, 1, nameof(MaxScaleChange));
        OptionChecks.InRange(MaxBrightness, 0, 1, nameof(MaxBrightness), highIncluded: true);
        OptionChecks.InRange(MaxContrastChange, 0, 1, nameof(MaxContrastChange));
        OptionChecks.InRange(ErasingProbability, 0, 1, nameof(ErasingProbability), highIncluded: true);
    }
}
