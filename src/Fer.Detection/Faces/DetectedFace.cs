namespace PersonalFer.Detection;

/// <summary>An axis-aligned face rectangle in frame pixels.</summary>
/// <param name="X">Left edge.</param>
/// <param name="Y">Top edge.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
public readonly record struct FaceBox(int X, int Y, int Width, int Height);

/// <summary>A point in frame pixels.</summary>
/// <param name="X">Horizontal position.</param>
/// <param name="Y">Vertical position.</param>
public readonly record struct FacePoint(float X, float Y);

/// <summary>YuNet's five landmarks. "Right" and "left" are the person's own (the right eye is on the image's left).</summary>
/// <param name="RightEye">Centre of the person's right eye.</param>
/// <param name="LeftEye">Centre of the person's left eye.</param>
/// <param name="Nose">Tip of the nose.</param>
/// <param name="RightMouthCorner">The person's right mouth corner.</param>
/// <param name="LeftMouthCorner">The person's left mouth corner.</param>
public readonly record struct FaceLandmarks(FacePoint RightEye, FacePoint LeftEye, FacePoint Nose, FacePoint RightMouthCorner, FacePoint LeftMouthCorner);

/// <summary>A face found in a frame.</summary>
/// <param name="Box">Where the face is.</param>
/// <param name="Confidence">Detector score in [0, 1] (Haar reports 1: it has no calibrated score).</param>
/// <param name="Landmarks">The five landmarks, where the detector gives them (YuNet does, Haar does not).</param>
public readonly record struct DetectedFace(FaceBox Box, float Confidence, FaceLandmarks? Landmarks = null);
