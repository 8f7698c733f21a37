using PersonalFer.Data;
using PersonalFer.Detection;

namespace PersonalFer;

/// <summary>One face in a frame and what it expresses.</summary>
/// <param name="Box">Where the face is, in frame pixels.</param>
/// <param name="DetectionConfidence">The detector's score.</param>
/// <param name="Landmarks">Eyes, nose and mouth corners, where the detector gives them.</param>
/// <param name="Expression">The most probable expression.</param>
/// <param name="Confidence">Its probability.</param>
/// <param name="Probabilities">All seven probabilities, in <see cref="Data.Expression"/> order.</param>
public sealed record FaceExpression(
    FaceBox Box,
    float DetectionConfidence,
    FaceLandmarks? Landmarks,
    Expression Expression,
    float Confidence,
    IReadOnlyList<float> Probabilities);
