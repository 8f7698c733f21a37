namespace PersonalFer.Detection;

/// <summary>An axis-aligned face rectangle in frame pixels.</summary>
/// <param name="X">Left edge.</param>
/// <param name="Y">Top edge.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
public readonly record struct FaceBox(int X, int Y, int Width, int Height);
