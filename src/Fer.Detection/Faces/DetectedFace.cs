namespace PersonalFer.Detection;

/// <summary>A face found in a frame.</summary>
/// <param name="Box">Where the face is.</param>
/// <param name="Confidence">Detector score in [0, 1] (Haar reports 1: it has no calibrated score).</param>
/// <param name="Landmarks">The five landmarks, where the detector gives them (YuNet does, Haar does not).</param>
public readonly record struct DetectedFace(FaceBox Box, float Confidence, FaceLandmarks? Landmarks = null);
