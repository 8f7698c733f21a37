using PersonalFer.Model;

namespace PersonalFer;

/// <summary>Settings of <see cref="Personalizer.FineTune(IReadOnlyList{Data.LabelledImage}, string, PersonalizationOptions?, IProgress{PersonalizationProgress}?, CancellationToken)"/>.</summary>
public sealed record PersonalizationOptions
{
    /// <summary>How the head is trained.</summary>
    public HeadTrainingOptions Head { get; init; } = new();

    /// <summary>
    /// Fewer faces than this is an error (default 1: one photo of each expression the person gives is enough; the
    /// expressions they do not give keep the general model's behaviour). Raise it to demand a fuller enrolment.
    /// </summary>
    public int MinimumFaces { get; init; } = 1;

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
