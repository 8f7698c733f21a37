namespace PersonalFer.Data;

/// <summary>Byte layouts of <see cref="ImageData"/> pixels.</summary>
public enum PixelFormat
{
    /// <summary>One byte per pixel.</summary>
    Gray8,

    /// <summary>Blue, green, red (OpenCV's order).</summary>
    Bgr24,

    /// <summary>Blue, green, red, alpha.</summary>
    Bgra32,

    /// <summary>Red, green, blue.</summary>
    Rgb24,

    /// <summary>Red, green, blue, alpha.</summary>
    Rgba32,
}
