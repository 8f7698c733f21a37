using OpenCvSharp;

namespace PersonalFer.Detection;

/// <summary>Finds faces in frames. Implementations own native OpenCV objects: dispose them.</summary>
public interface IFaceDetector : IDisposable
{
    /// <summary>Detects every face in a BGR, BGRA or grayscale 8-bit frame.</summary>
    /// <exception cref="ArgumentException">The frame is empty or not 8-bit with 1, 3 or 4 channels.</exception>
    IReadOnlyList<DetectedFace> Detect(Mat frame);
}
