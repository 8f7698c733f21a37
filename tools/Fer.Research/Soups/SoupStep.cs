namespace PersonalFer.Research;

/// <summary>One step of <see cref="ModelSoup.Greedy"/>: the soup tried with one more ingredient.</summary>
/// <param name="Ingredient">Index of the ingredient added, in the order given.</param>
/// <param name="ValidationAccuracy">The validation accuracy of the soup with it.</param>
/// <param name="Kept">Whether it stayed in the soup (it did better than the soup without it).</param>
public sealed record SoupStep(int Ingredient, double ValidationAccuracy, bool Kept);
