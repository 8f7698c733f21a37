namespace PersonalFer.Detection;

/// <summary>How a detected face becomes the models' 48×48 grayscale input.</summary>
public sealed record FacePreprocessingOptions
{
    /// <summary>
    /// Extra context around the detector's box, as a fraction of the box side on each side. FER2013's faces include
    /// forehead and chin beyond a tight detector box; 0.15 approximates that framing.
    /// </summary>
    public float Margin { get; init; } = 0.15f;

    /// <summary>Rotate the face so the eyes are level, when the detector gives landmarks.</summary>
    public bool AlignEyes { get; init; } = true;

    internal void Validate()
    {
        if (Margin is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Margin), Margin, "must be in [0, 1]");
        }
    }
}
