using PersonalFer.Data;

namespace PersonalFer;

/// <summary>Something about a fine-tune's photos worth capturing again (part of <see cref="PersonalizationResult.Warnings"/>).</summary>
/// <param name="Kind">What it is about.</param>
/// <param name="Message">One sentence for the user, naming the expressions or the photo.</param>
/// <param name="Expressions">The expressions concerned: the two that look alike, or the small face's.</param>
/// <param name="Source">The sample whose face is too small; null for expressions that look alike.</param>
public sealed record EnrolmentWarning(EnrolmentWarningKind Kind, string Message, IReadOnlyList<Expression> Expressions, string? Source);
