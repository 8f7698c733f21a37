using PersonalFer.Detection;
using PersonalFer.Model;

namespace PersonalFer.Pipeline.Tests;

/// <summary>The shipped model with YuNet, loaded once per test class that uses it.</summary>
public sealed class ShippedModel : IDisposable
{
    public ExpressionModel Model { get; } = ExpressionModel.LoadDefault();

    public YuNetFaceDetector Detector { get; } = new();

    public ExpressionPipeline Pipeline => new(Detector, Model);

    /// <summary>Replays the model's own general features, as the default registration does.</summary>
    public Personalizer Personalizer => new(Detector, Model, generalFaces: null);

    public void Dispose()
    {
        Detector.Dispose();
        Model.Dispose();
    }
}
