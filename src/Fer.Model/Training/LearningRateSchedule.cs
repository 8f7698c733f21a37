namespace PersonalFer.Model;

/// <summary>How the learning rate changes over the run.</summary>
public enum LearningRateSchedule
{
    /// <summary>Fixed.</summary>
    Constant,

    /// <summary>One epoch of linear warm-up, then cosine decay to zero at the last epoch (updated every step).</summary>
    Cosine,
}
