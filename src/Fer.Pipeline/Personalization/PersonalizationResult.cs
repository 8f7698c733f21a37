namespace PersonalFer;

/// <summary>What <see cref="Personalizer.FineTune"/> produced.</summary>
/// <param name="Profile">The trained profile (dispose it when no longer used).</param>
/// <param name="FacesUsed">Samples whose face was used.</param>
/// <param name="SamplesWithoutFace">Sources of samples in which no face was found (skipped).</param>
public sealed record PersonalizationResult(PersonalProfile Profile, int FacesUsed, IReadOnlyList<string> SamplesWithoutFace);
