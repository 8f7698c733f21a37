namespace PersonalFer.Data;

/// <summary>Facts about <see cref="Expression"/> shared by every layer.</summary>
public static class Expressions
{
    /// <summary>Number of classes (7).</summary>
    public const int Count = 7;

    /// <summary>All classes in index order.</summary>
    public static IReadOnlyList<Expression> All { get; } = Enum.GetValues<Expression>();
}
