using PersonalFer.Model;

namespace PersonalFer.Train;

internal static class ModelFiles
{
    /// <summary>Opens a .fermodel file, or the model shipped in Fer.Model for "default".</summary>
    public static ExpressionModel Open(string model) => IsDefault(model) ? ExpressionModel.LoadDefault() : ExpressionModel.Load(model);

    /// <summary>The absolute path of a model file, or "default" unchanged: what a run records so `resume` finds it.</summary>
    public static string FullPath(string model) => IsDefault(model) ? model : Path.GetFullPath(model);

    public static bool IsDefault(string model) => string.Equals(model, "default", StringComparison.OrdinalIgnoreCase);
}
