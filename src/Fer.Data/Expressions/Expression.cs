namespace PersonalFer.Data;

/// <summary>The seven FER2013 expression classes, numbered as in the data set.</summary>
public enum Expression
{
    /// <summary>Class 0.</summary>
    Angry = 0,

    /// <summary>Class 1 (the rarest: 436 training images).</summary>
    Disgust = 1,

    /// <summary>Class 2.</summary>
    Fear = 2,

    /// <summary>Class 3.</summary>
    Happy = 3,

    /// <summary>Class 4.</summary>
    Sad = 4,

    /// <summary>Class 5.</summary>
    Surprise = 5,

    /// <summary>Class 6.</summary>
    Neutral = 6,
}
