using PersonalFer.Model;

namespace PersonalFer.Train;

internal static class ModelFiles
{
    /// <summary>Opens a .fermodel file, or the model shipped in Fer.Model for "default".</summary>
    public static ExpressionModel Open(string model) =>
        string.Equals(model, "default", StringComparison.OrdinalIgnoreCase)
            ? throw new NotSupportedException("No general model ships yet; pass a .fermodel file.")
            : ExpressionModel.Load(model);
}
