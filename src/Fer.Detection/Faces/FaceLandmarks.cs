namespace PersonalFer.Detection;

/// <summary>YuNet's five landmarks. "Right" and "left" are the person's own (the right eye is on the image's left).</summary>
/// <param name="RightEye">Centre of the person's right eye.</param>
/// <param name="LeftEye">Centre of the person's left eye.</param>
/// <param name="Nose">Tip of the nose.</param>
/// <param name="RightMouthCorner">The person's right mouth corner.</param>
/// <param name="LeftMouthCorner">The person's left mouth corner.</param>
public readonly record struct FaceLandmarks(FacePoint RightEye, FacePoint LeftEye, FacePoint Nose, FacePoint RightMouthCorner, FacePoint LeftMouthCorner);
