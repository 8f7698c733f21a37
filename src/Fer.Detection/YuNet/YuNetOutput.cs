namespace PersonalFer.Detection;

/// <summary>
/// The columns of one row of YuNet's output (OpenCV's <c>FaceDetectorYN.Detect</c>): the box, the five landmarks
/// as x, y pairs in the person's right eye, left eye, nose tip, right and left mouth corner order, then the score.
/// Coordinates are in pixels of the frame given to the detector.
/// </summary>
internal static class YuNetOutput
{
    /// <summary>Left edge of the box.</summary>
    public const int BoxX = 0;

    /// <summary>Top edge of the box.</summary>
    public const int BoxY = 1;

    /// <summary>Width of the box.</summary>
    public const int BoxWidth = 2;

    /// <summary>Height of the box.</summary>
    public const int BoxHeight = 3;

    /// <summary>x of the person's right eye (y is the next column, as for every landmark).</summary>
    public const int RightEyeX = 4;

    /// <summary>x of the person's left eye.</summary>
    public const int LeftEyeX = 6;

    /// <summary>x of the nose tip.</summary>
    public const int NoseX = 8;

    /// <summary>x of the person's right mouth corner.</summary>
    public const int RightMouthCornerX = 10;

    /// <summary>x of the person's left mouth corner.</summary>
    public const int LeftMouthCornerX = 12;

    /// <summary>The face score in [0, 1].</summary>
    public const int Score = 14;

    /// <summary>Columns per face.</summary>
    public const int Columns = 15;
}
