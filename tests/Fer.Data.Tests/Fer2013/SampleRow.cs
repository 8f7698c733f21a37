namespace PersonalFer.Data.Tests;

/// <summary>One FER2013 row made from a seed: random pixel values, so of one, two and three digits.</summary>
internal sealed record SampleRow(Expression Label, Fer2013Split Split, int Seed)
{
    public byte[] Pixels { get; } = RandomPixels(Seed);

    public string Line => $"{(int)Label},{string.Join(' ', Pixels)},{Split}";

    public override string ToString() => $"{Label}/{Split}/{Seed}";

    private static byte[] RandomPixels(int seed)
    {
        var pixels = new byte[FaceImage.PixelCount];
        new Random(seed).NextBytes(pixels);
        return pixels;
    }
}
