using PersonalFer.Data;
using PersonalFer.Model.Tests;

namespace PersonalFer.Research.Tests;

/// <summary>
/// A few real FER2013 faces of each split written as a fer2013.csv and loaded back: a <see cref="Fer2013Data"/> small
/// enough for a research run to train, recompute and validate on in seconds.
/// </summary>
internal static class SmallFer2013
{
    public static Fer2013Data Write(string directory, int training, int publicTest, int privateTest)
    {
        var path = Path.Combine(directory, "fer2013-small.csv");
        using (var writer = new StreamWriter(path))
        {
            writer.WriteLine("emotion,pixels,Usage");
            foreach (var (split, count) in new[] { (Fer2013Split.Training, training), (Fer2013Split.PublicTest, publicTest), (Fer2013Split.PrivateTest, privateTest) })
            {
                var faces = RealFaces.First(split, count);
                for (var i = 0; i < count; i++)
                {
                    writer.WriteLine($"{(int)faces.Labels[i]},{string.Join(' ', faces.Image(i).ToArray())},{split}");
                }
            }
        }

        var data = Fer2013.Load(path);
        Assert.Equal(RealFaces.First(Fer2013Split.Training, training).Pixels, data.Training.Pixels);
        Assert.Equal((training, publicTest, privateTest), (data.Training.Count, data.PublicTest.Count, data.PrivateTest.Count));
        return data;
    }
}
