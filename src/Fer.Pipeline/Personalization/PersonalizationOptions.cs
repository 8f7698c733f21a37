using PersonalFer.Model;

namespace PersonalFer;

/// <summary>Settings of <see cref="Personalizer.FineTune"/>.</summary>
public sealed record PersonalizationOptions
{
    /// <summary>How the head is trained.</summary>
    public HeadTrainingOptions Head { get; init; } = new();

    /// <summary>Fewer faces than this (default 5) is an error: a head cannot learn a person from less.</summary>
    public int MinimumFaces { get; init; } = 5;

    /// <summary>Also train on each face's mirror image (doubles the person's data).</summary>
    public bool AddMirroredFaces { get; init; } = true;

    /// <summary>Skip samples in which no face is found (counted in the result) instead of failing.</summary>
    public bool SkipSamplesWithoutFace { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MinimumFaces, nameof(MinimumFaces));
        ArgumentNullException.ThrowIfNull(Head, nameof(Head));
        Head.Validate();
    }
}
