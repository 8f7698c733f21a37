namespace PersonalFer.Detection;

/// <summary>A point in frame pixels.</summary>
/// <param name="X">Horizontal position.</param>
/// <param name="Y">Vertical position.</param>
public readonly record struct FacePoint(float X, float Y);
