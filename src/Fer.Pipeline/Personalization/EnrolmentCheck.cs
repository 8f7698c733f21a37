using PersonalFer.Data;
using PersonalFer.Model;

namespace PersonalFer;

/// <summary>
/// Enrolment feedback from the cached features alone (no extra network pass): nearest-class-mean leave-one-out per
/// given expression, and which given expressions look alike.
/// </summary>
internal static class EnrolmentCheck
{
    /// <summary>
    /// Means of two expressions at least this similar (cosine, centred on the general faces) are called alike.
    /// Measured with the shipped model: one photo labelled with several expressions gives 1.0, camera variations of
    /// one photo 0.90–0.92; on JAFFE-dev subjects' different expressions, 2 photos each, most pairs stay below 0.85
    /// and the pairs at 0.90–0.91 (KL Fear and Sad, KR Angry and Disgust) are ones people confuse too.
    /// </summary>
    internal const double LookAlikeSimilarity = 0.9;

    /// <summary>A left-out expression taken for another this often (and at least once) is called alike too.</summary>
    private const double ConfusedShare = 0.5;

    public static (List<ExpressionSeparation> Separation, List<EnrolmentWarning> Warnings) Check(PersonFeatures person, FaceFeatures? general)
    {
        var length = person.Length;
        var centre = Centre(general, length);
        var rows = new double[person.Rows][];
        for (var row = 0; row < person.Rows; row++)
        {
            rows[row] = new double[length];
            for (var i = 0; i < length; i++)
            {
                rows[row][i] = person.Values[(row * length) + i] - centre[i];
            }
        }

        var given = Enumerable.Range(0, Expressions.Count).Where(e => person.Labels.Contains((Expression)e)).ToArray();
        var means = given.ToDictionary(e => e, e => Mean(rows, row => (int)person.Labels[row] == e));
        var faces = person.FacesPerExpression();
        var separation = new List<ExpressionSeparation>();
        var warnings = new List<EnrolmentWarning>();
        var alike = new HashSet<(int, int)>();
        foreach (var expression in given)
        {
            var confusions = new int[Expressions.Count];
            int tested = 0, correct = 0;
            if (faces[expression] > 1)
            {
                foreach (var face in person.Faces.Where((_, row) => (int)person.Labels[row] == expression).Distinct())
                {
                    var query = Mean(rows, row => person.Faces[row] == face);
                    var ownRest = Mean(rows, row => (int)person.Labels[row] == expression && person.Faces[row] != face);
                    var predicted = given.MaxBy(e => Cosine(query, e == expression ? ownRest : means[e]));
                    tested++;
                    correct += predicted == expression ? 1 : 0;
                    confusions[predicted] += predicted == expression ? 0 : 1;
                }
            }

            var confused = confusions.Max() > 0 ? (Expression?)Array.IndexOf(confusions, confusions.Max()) : null;
            var closest = given.Where(e => e != expression).Select(e => (Expression: e, Similarity: Cosine(means[expression], means[e])))
                .OrderByDescending(p => p.Similarity).Select(p => ((int, double)?)p).FirstOrDefault();
            separation.Add(new ExpressionSeparation(
                (Expression)expression, faces[expression], tested > 0 ? (double)correct / tested : null, confused,
                closest is { } c ? (Expression)c.Item1 : null, closest?.Item2));
            // Every other given expression this close, not only the closest: one face given for all is alike with all.
            foreach (var similar in given.Where(e => e > expression && Cosine(means[expression], means[e]) >= LookAlikeSimilarity))
            {
                alike.Add((expression, similar));
            }

            if (confused is { } other && confusions[(int)other] >= ConfusedShare * tested)
            {
                alike.Add((Math.Min(expression, (int)other), Math.Max(expression, (int)other)));
            }
        }

        foreach (var (first, second) in alike.Order())
        {
            warnings.Add(new EnrolmentWarning(
                EnrolmentWarningKind.ExpressionsLookAlike,
                $"{(Expression)first} and {(Expression)second} look alike on these photos; capture them again, each clearly shown.",
                [(Expression)first, (Expression)second],
                Source: null));
        }

        return (separation, warnings);
    }

    // The general faces' mean feature: raw features are non-negative activations that all point much the same way,
    // so cosine similarity says little until their common part is removed.
    private static double[] Centre(FaceFeatures? general, int length)
    {
        var centre = new double[length];
        if (general is not { Count: > 0 } || general.Length != length)
        {
            return centre;
        }

        for (var row = 0; row < general.Count; row++)
        {
            for (var i = 0; i < length; i++)
            {
                centre[i] += general.Values[(row * length) + i];
            }
        }

        for (var i = 0; i < length; i++)
        {
            centre[i] /= general.Count;
        }

        return centre;
    }

    private static double[] Mean(double[][] rows, Func<int, bool> include)
    {
        var mean = new double[rows[0].Length];
        var count = 0;
        for (var row = 0; row < rows.Length; row++)
        {
            if (!include(row))
            {
                continue;
            }

            count++;
            for (var i = 0; i < mean.Length; i++)
            {
                mean[i] += rows[row][i];
            }
        }

        for (var i = 0; i < mean.Length; i++)
        {
            mean[i] /= Math.Max(count, 1);
        }

        return mean;
    }

    private static double Cosine(double[] a, double[] b)
    {
        double dot = 0, aa = 0, bb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }

        return aa == 0 || bb == 0 ? 0 : dot / Math.Sqrt(aa * bb);
    }
}
