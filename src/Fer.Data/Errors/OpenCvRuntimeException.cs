namespace PersonalFer.Data;

/// <summary>OpenCV's native library (OpenCvSharp's runtime) is missing or does not load; the message says what to add or install.</summary>
public sealed class OpenCvRuntimeException : PersonalFerException
{
    /// <summary>Creates the exception.</summary>
    public OpenCvRuntimeException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
