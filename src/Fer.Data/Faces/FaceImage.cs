namespace PersonalFer.Data;

/// <summary>Side length of FER2013's square grayscale images, the models' native input.</summary>
public static class FaceImage
{
    /// <summary>48 pixels.</summary>
    public const int Size = 48;

    /// <summary>48 × 48 = 2304 pixels.</summary>
    public const int PixelCount = Size * Size;
}
