namespace PersonalFer;

/// <summary>What <see cref="Personalizer.FineTune(IReadOnlyList{Data.LabelledImage}, string, PersonalizationOptions?, IProgress{PersonalizationProgress}?, CancellationToken)"/> produced.</summary>
/// <param name="Profile">The trained profile (dispose it when no longer used).</param>
/// <param name="FacesUsed">Samples whose face was used (in a grown profile: the new samples only).</param>
/// <param name="SamplesWithoutFace">Sources of samples in which no face was found (skipped).</param>
public sealed record PersonalizationResult(PersonalProfile Profile, int FacesUsed, IReadOnlyList<string> SamplesWithoutFace)
{
    /// <summary>
    /// Per expression the profile was given (in <see cref="Data.Expression"/> order), how well the person's faces of
    /// it separate from their other given expressions — all the profile's faces, old and new.
    /// </summary>
    public IReadOnlyList<ExpressionSeparation> Separation { get; init; } = [];

    /// <summary>Expressions that look alike and faces too small: what to capture again. Empty when nothing stands out.</summary>
    public IReadOnlyList<EnrolmentWarning> Warnings { get; init; } = [];
}
