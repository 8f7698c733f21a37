using PersonalFer.Data;

namespace PersonalFer;

/// <summary>A face followed across video frames, with its expression smoothed over time.</summary>
/// <param name="TrackId">Stable while the face stays in view (1, 2, … in order of appearance).</param>
/// <param name="Frame">This frame's own, unsmoothed result.</param>
/// <param name="Expression">The most probable expression after smoothing.</param>
/// <param name="Confidence">Its smoothed probability.</param>
/// <param name="Probabilities">All seven smoothed probabilities, in <see cref="Data.Expression"/> order.</param>
public sealed record TrackedFaceExpression(
    int TrackId,
    FaceExpression Frame,
    Expression Expression,
    float Confidence,
    IReadOnlyList<float> Probabilities);
