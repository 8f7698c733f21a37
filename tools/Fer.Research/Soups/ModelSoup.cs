using PersonalFer.Data;
using PersonalFer.Model;

namespace PersonalFer.Research;

/// <summary>
/// Model soups (Wortsman et al., 2022): the equal-weight mean of the weights of networks fine-tuned from one
/// starting point often beats each of them, and costs nothing at inference, unlike an ensemble. Networks trained
/// from different random starts do not average (their units are permuted against each other), so the ingredients
/// must come from one trained model, as the runs of <c>Fer.Train train --from</c> do.
/// </summary>
public static class ModelSoup
{
    /// <summary>
    /// The equal-weight mean of <paramref name="ingredients"/>' weights, with BatchNorm statistics recomputed on
    /// <paramref name="training"/> (not augmented, as <see cref="BatchNormRecalibration"/> does) because none of the
    /// ingredients' statistics describe the averaged network. One ingredient is copied as it is.
    /// </summary>
    /// <exception cref="ArgumentException">No ingredients, an empty training set, or ingredients of different architectures or normalizations.</exception>
    /// <param name="ingredients">Models of one architecture, fine-tuned from one starting point.</param>
    /// <param name="training">The faces the BatchNorm statistics are recomputed on.</param>
    public static ExpressionModel Average(IReadOnlyList<ExpressionModel> ingredients, FaceDataset training)
    {
        CheckIngredients(ingredients);
        ArgumentNullException.ThrowIfNull(training);
        if (training.Count == 0)
        {
            throw new ArgumentException("BatchNorm statistics cannot be recomputed on an empty training set.", nameof(training));
        }

        var first = ingredients[0];
        var soup = first.CopyWithoutReplay(manifest => manifest with
        {
            Command = ingredients.Count == 1 ? manifest.Command : $"model soup of {ingredients.Count}: {string.Join(" | ", ingredients.Select(m => m.Manifest.Command))}",
            Metrics = ingredients.Count == 1 ? manifest.Metrics : new Dictionary<string, double>(),
        });
        if (ingredients.Count == 1)
        {
            return soup;
        }

        soup.BeginWeightChanges();
        try
        {
            for (var i = 1; i < ingredients.Count; i++)
            {
                WeightAveraging.Accumulate(soup.Network, ingredients[i].Network, i + 1);
            }

            WeightAveraging.RecomputeBatchNormStatistics(soup.Network, soup.Manifest, training);
            soup.EndWeightChanges();
        }
        catch
        {
            soup.Dispose();
            throw;
        }

        return soup;
    }

    /// <summary>
    /// The greedy soup: the ingredients in order of validation accuracy, each added to the soup only if the soup
    /// then does strictly better on <paramref name="validation"/>. It is never worse there than the best ingredient.
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="Average"/>, or an empty validation set.</exception>
    /// <param name="ingredients">Models of one architecture, fine-tuned from one starting point.</param>
    /// <param name="training">The faces BatchNorm statistics are recomputed on.</param>
    /// <param name="validation">The faces the soup is chosen on (FER2013's PublicTest; never the test split).</param>
    public static SoupResult Greedy(IReadOnlyList<ExpressionModel> ingredients, FaceDataset training, FaceDataset validation)
    {
        CheckIngredients(ingredients);
        ArgumentNullException.ThrowIfNull(validation);
        var accuracies = ingredients.Select(model => Evaluator.Evaluate(model, validation).Accuracy).ToArray();
        var order = Enumerable.Range(0, ingredients.Count).OrderByDescending(i => accuracies[i]).ToList();
        var kept = new List<int> { order[0] };
        var steps = new List<SoupStep> { new(order[0], accuracies[order[0]], Kept: true) };
        var soup = Average([ingredients[order[0]]], training);
        var soupAccuracy = accuracies[order[0]];
        try
        {
            foreach (var candidate in order.Skip(1))
            {
                var trial = Average([.. kept.Select(i => ingredients[i]), ingredients[candidate]], training);
                var trialAccuracy = Evaluator.Evaluate(trial, validation).Accuracy;
                var better = trialAccuracy > soupAccuracy;
                steps.Add(new SoupStep(candidate, trialAccuracy, better));
                if (better)
                {
                    soup.Dispose();
                    (soup, soupAccuracy) = (trial, trialAccuracy);
                    kept.Add(candidate);
                }
                else
                {
                    trial.Dispose();
                }
            }
        }
        catch
        {
            soup.Dispose(); // the caller only owns the soup it is given
            throw;
        }

        return new SoupResult(soup, accuracies, steps);
    }

    private static void CheckIngredients(IReadOnlyList<ExpressionModel> ingredients)
    {
        ArgumentNullException.ThrowIfNull(ingredients);
        if (ingredients.Count == 0)
        {
            throw new ArgumentException("A soup needs at least one ingredient.", nameof(ingredients));
        }

        var first = ingredients[0] ?? throw new ArgumentNullException(nameof(ingredients));
        for (var i = 1; i < ingredients.Count; i++)
        {
            var manifest = (ingredients[i] ?? throw new ArgumentNullException(nameof(ingredients))).Manifest;
            if (manifest.Architecture != first.Architecture || manifest.NormalizationMean != first.Manifest.NormalizationMean
                || manifest.NormalizationStd != first.Manifest.NormalizationStd)
            {
                throw new ArgumentException(
                    $"Ingredient {i} is a {manifest.Architecture} network normalized with mean {manifest.NormalizationMean} and std {manifest.NormalizationStd}; " +
                    $"ingredient 0 is a {first.Architecture} network with {first.Manifest.NormalizationMean} and {first.Manifest.NormalizationStd}: only networks of one kind average.",
                    nameof(ingredients));
            }
        }
    }
}
