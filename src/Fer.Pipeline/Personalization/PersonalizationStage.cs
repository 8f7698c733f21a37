namespace PersonalFer;

/// <summary>What <see cref="Personalizer.FineTune(IReadOnlyList{Data.LabelledImage}, string, PersonalizationOptions?, IProgress{PersonalizationProgress}?, CancellationToken)"/> is doing.</summary>
public enum PersonalizationStage
{
    /// <summary>Finding and cropping the face in each sample (detection dominates for whole frames).</summary>
    FindingFaces,

    /// <summary>Training the head on the cached features, one optimizer step at a time.</summary>
    TrainingHead,
}
