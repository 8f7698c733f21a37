using PersonalFer.Data;

namespace PersonalFer.Model;

/// <summary>
/// The frozen feature extractor's output for a set of labelled faces, computed once and reused: personal heads
/// train on these instead of running the convolutional layers again every step.
/// </summary>
public sealed class FaceFeatures
{
    internal FaceFeatures(float[] values, Expression[] labels, int length, string modelFingerprint)
    {
        Values = values;
        Labels = labels;
        Length = length;
        ModelFingerprint = modelFingerprint;
    }

    /// <summary>Faces described.</summary>
    public int Count => Labels.Length;

    /// <summary>Features per face.</summary>
    public int Length { get; }

    /// <summary>The label of each face.</summary>
    public IReadOnlyList<Expression> LabelList => Labels;

    internal float[] Values { get; }

    internal Expression[] Labels { get; }

    /// <summary>The weights the features came from (see <see cref="ExpressionModel.Fingerprint"/>).</summary>
    internal string ModelFingerprint { get; }
}
