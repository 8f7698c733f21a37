namespace PersonalFer.Data.Tests;

/// <summary>Compares faces as (split, label, pixels) by value.</summary>
internal sealed class FaceComparer : IEqualityComparer<(Fer2013Split Split, Expression Label, byte[] Pixels)>
{
    public static FaceComparer Instance { get; } = new();

    public bool Equals((Fer2013Split Split, Expression Label, byte[] Pixels) x, (Fer2013Split Split, Expression Label, byte[] Pixels) y) =>
        x.Split == y.Split && x.Label == y.Label && x.Pixels.AsSpan().SequenceEqual(y.Pixels);

    public int GetHashCode((Fer2013Split Split, Expression Label, byte[] Pixels) face) => HashCode.Combine(face.Split, face.Label, face.Pixels.Length);
}
