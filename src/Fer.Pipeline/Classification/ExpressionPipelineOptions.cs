namespace PersonalFer;

/// <summary>Settings of <see cref="ExpressionPipeline"/>, validated when it is built.</summary>
public sealed record ExpressionPipelineOptions
{
    /// <summary>At most this many faces (the largest) are classified per frame; default 32.</summary>
    public int MaxFaces { get; init; } = 32;

    internal void Validate() => ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxFaces, nameof(MaxFaces));
}
