namespace PersonalFer;

/// <summary>What an <see cref="EnrolmentWarning"/> is about.</summary>
public enum EnrolmentWarningKind
{
    /// <summary>Two given expressions look alike on the person's photos: the profile will mix them up.</summary>
    ExpressionsLookAlike,

    /// <summary>A face is smaller than the model's 48×48 input, so its detail is guessed by upscaling.</summary>
    FaceTooSmall,
}
