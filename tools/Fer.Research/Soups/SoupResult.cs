using PersonalFer.Model;

namespace PersonalFer.Research;

/// <summary>What <see cref="ModelSoup.Greedy"/> made.</summary>
/// <param name="Model">The soup: one network of the ingredients' size. The caller disposes it.</param>
/// <param name="IngredientAccuracies">Each ingredient's own validation accuracy, in the order given.</param>
/// <param name="Steps">The ingredients in the order tried; the first, the best alone, is the soup's start.</param>
public sealed record SoupResult(ExpressionModel Model, IReadOnlyList<double> IngredientAccuracies, IReadOnlyList<SoupStep> Steps)
{
    /// <summary>Indices of the ingredients averaged into the soup.</summary>
    public IReadOnlyList<int> Kept => Steps.Where(step => step.Kept).Select(step => step.Ingredient).ToArray();

    /// <summary>The soup's validation accuracy.</summary>
    public double ValidationAccuracy => Steps.Last(step => step.Kept).ValidationAccuracy;
}
