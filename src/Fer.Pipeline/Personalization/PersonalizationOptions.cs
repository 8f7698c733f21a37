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

    /// <summary>
    /// Extra crops of the person's faces to train on, in total, spread evenly over the faces of one call (at most
    /// <see cref="MaxJitteredCopiesPerFace"/> per face): each moves and scales the crop by a few percent and changes
    /// brightness and contrast, as another take of the same expression would (mirrored too with
    /// <see cref="AddMirroredFaces"/>). They help most when there are few faces: on JAFFE-dev one photo per expression
    /// gains 4.2 points (docs/PERSONALIZATION.md). 0: none. Each costs a network pass, so many faces get fewer copies
    /// each.
    /// </summary>
    public int JitteredCopies { get; init; } = 112;

    // The jitter's ranges relative to FaceJitter's: evaluation compares other ranges leave-one-subject-out with it.
    internal double JitterRanges { get; init; } = 1;

    /// <summary>The most jittered copies one face gets, however few faces there are.</summary>
    public const int MaxJitteredCopiesPerFace = 16;

    /// <summary>
    /// Keep the frozen network's features of the person's faces in the profile (2,304 numbers per crop: each face,
    /// its jittered copies and their mirror images; no images), so that it can grow from new photos later (default). Off, the profile holds head weights
    /// and counts only and cannot grow: for an application that promises to store nothing derived from faces.
    /// </summary>
    public bool KeepFeatures { get; init; } = true;

    /// <summary>Skip samples in which no face is found (counted in the result) instead of failing.</summary>
    public bool SkipSamplesWithoutFace { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MinimumFaces, nameof(MinimumFaces));
        ArgumentOutOfRangeException.ThrowIfNegative(JitteredCopies, nameof(JitteredCopies));
        ArgumentNullException.ThrowIfNull(Head, nameof(Head));
        Head.Validate();
    }
}
