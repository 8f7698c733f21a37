namespace PersonalFer.Detection;

/// <summary>An axis-aligned face rectangle in frame pixels.</summary>
/// <param name="X">Left edge.</param>
/// <param name="Y">Top edge.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
public readonly record struct FaceBox(int X, int Y, int Width, int Height);

/// <summary>A face found in a frame.</summary>
/// <param name="Box">Where the face is.</param>
/// <param name="Confidence">Detector score in [0, 1] (Haar reports 1: it has no calibrated score).</param>
public readonly record struct DetectedFace(FaceBox Box, float Confidence);
