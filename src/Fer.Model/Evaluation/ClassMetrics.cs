using PersonalFer.Data;

namespace PersonalFer.Model;

/// <summary>Precision, recall and F1 of one class.</summary>
/// <param name="Expression">The class.</param>
/// <param name="Precision">Of the faces predicted as this class, the share that are.</param>
/// <param name="Recall">Of the faces of this class, the share predicted as it.</param>
/// <param name="F1">Harmonic mean of precision and recall.</param>
/// <param name="Support">Faces of this class in the data.</param>
public sealed record ClassMetrics(Expression Expression, double Precision, double Recall, double F1, int Support);
