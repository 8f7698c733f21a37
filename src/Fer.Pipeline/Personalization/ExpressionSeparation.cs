using PersonalFer.Data;

namespace PersonalFer;

/// <summary>
/// How well a profile's faces of one given expression stand apart from the person's other given expressions, in
/// the frozen network's features (part of <see cref="PersonalizationResult.Separation"/>).
/// </summary>
/// <param name="Expression">The expression.</param>
/// <param name="Faces">The person's faces of it in the profile.</param>
/// <param name="LeaveOneOutAccuracy">
/// Share of those faces that, each left out in turn (with its mirror image), lie nearer the mean of the rest of this
/// expression's faces than the mean of any other given expression's; null with a single face, which has nothing to be
/// compared against (capture a second photo to measure it).
/// </param>
/// <param name="MostConfusedWith">The other given expression its left-out faces were most often taken for; null when none was.</param>
/// <param name="ClosestExpression">The other given expression whose mean face lies closest; null when it is the only one given.</param>
/// <param name="Similarity">Cosine similarity, in [-1, 1], of the two means (centred on the general faces when the model has them); null as <paramref name="ClosestExpression"/>.</param>
public sealed record ExpressionSeparation(
    Expression Expression,
    int Faces,
    double? LeaveOneOutAccuracy,
    Expression? MostConfusedWith,
    Expression? ClosestExpression,
    double? Similarity);
