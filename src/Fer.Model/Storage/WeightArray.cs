namespace PersonalFer.Model;

/// <summary>One named tensor of a network's state as plain data: its shape and its values in row-major order.</summary>
/// <param name="Shape">The dimensions, e.g. [32, 1, 3, 3] for the first convolution's weight.</param>
/// <param name="Values">The values, as many as the shape's product.</param>
public sealed record WeightArray(long[] Shape, float[] Values);
