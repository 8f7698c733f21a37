using PersonalFer.Model;

namespace PersonalFer.Research;

/// <summary>Saves a model a research command made from another, so its manifest tells how it was made.</summary>
internal static class DerivedModel
{
    public static void Save(ExpressionModel derived, ExpressionModel from, double publicTestAccuracy, string path)
    {
        derived.Describe(m => m with
        {
            Command = $"{from.Manifest.Command} && Fer.Research {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}",
            Metrics = new Dictionary<string, double> { [ModelManifest.PublicTestAccuracyMetric] = publicTestAccuracy },
        });
        derived.Save(path);
    }
}
