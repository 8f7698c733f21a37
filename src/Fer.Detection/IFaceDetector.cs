using OpenCvSharp;
using PersonalFer.Data;

namespace PersonalFer.Detection;

/// <summary>Finds faces in frames. Implementations own native OpenCV objects: dispose them. Safe to call from several threads.</summary>
public interface IFaceDetector : IDisposable
{
    /// <summary>Detects every face in a BGR, BGRA or grayscale 8-bit frame, largest first.</summary>
    /// <exception cref="ArgumentException">The frame is empty or not 8-bit with 1, 3 or 4 channels.</exception>
    /// <exception cref="ObjectDisposedException">The detector was disposed.</exception>
    IReadOnlyList<DetectedFace> Detect(Mat frame);

    /// <summary>Detects every face in a raw frame, largest first.</summary>
    /// <exception cref="ObjectDisposedException">The detector was disposed.</exception>
    IReadOnlyList<DetectedFace> Detect(ImageData frame);
}
