namespace PersonalFer.Web;

/// <summary>One frame's faces from the general model and, when the connection has a profile, from the profile (same faces, same order).</summary>
internal sealed record FrameExpressions(int Width, int Height, IReadOnlyList<FaceExpression> General, IReadOnlyList<FaceExpression>? Personal);
