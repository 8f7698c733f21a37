using PersonalFer.Model;

namespace PersonalFer.Train;

internal static class ModelFiles
{
    /// <summary>Opens a .fermodel file, or the model shipped in Fer.Model for "default".</summary>
    public static ExpressionModel Open(string model) =>
        string.Equals(model, "default", StringComparison.OrdinalIgnoreCase)
            ? ExpressionModel.LoadDefault()
            : ExpressionModel.Load(model);
}
