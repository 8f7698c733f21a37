namespace PersonalFer.Train;

/// <summary>What surrounds a FER2013 face in the frame <see cref="PipelineEvaluation.Frame"/> makes of it.</summary>
internal enum FramePadding
{
    /// <summary>The face's edge pixels continued outward: the scene goes on around the face.</summary>
    Replicate,

    /// <summary>A black border: a face on a plain dark background.</summary>
    Black,
}
