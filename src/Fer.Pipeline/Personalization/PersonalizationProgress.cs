namespace PersonalFer;

/// <summary>Progress of <see cref="Personalizer.FineTune(IReadOnlyList{Data.LabelledImage}, string, PersonalizationOptions?, IProgress{PersonalizationProgress}?, CancellationToken)"/> and <see cref="Personalizer.FineTuneAsync(IReadOnlyList{Data.LabelledImage}, string, PersonalizationOptions?, IProgress{PersonalizationProgress}?, CancellationToken)"/>: <paramref name="Completed"/> of <paramref name="Total"/> in a stage.</summary>
/// <param name="Stage">The stage.</param>
/// <param name="Completed">Samples or steps done.</param>
/// <param name="Total">Samples or steps in the stage.</param>
public sealed record PersonalizationProgress(PersonalizationStage Stage, int Completed, int Total);
