using PersonalFer.Data;
using PersonalFer.Tests;

namespace PersonalFer.Research.Tests;

/// <summary>
/// A few <see cref="TestFaces"/> for each split, each split drawn from a seed of its own, written as a fer2013.csv
/// and loaded back: a <see cref="Fer2013Data"/> small enough for a research run to train, recompute and validate on
/// in seconds, without FER2013 itself.
/// </summary>
internal static class SmallFer2013
{
    public static Fer2013Data Write(string directory, int training, int publicTest, int privateTest)
    {
        (Fer2013Split Split, FaceDataset Faces)[] splits =
        [
            (Fer2013Split.Training, TestFaces.Make(training, seed: 0)),
            (Fer2013Split.PublicTest, TestFaces.Make(publicTest, seed: 1)),
            (Fer2013Split.PrivateTest, TestFaces.Make(privateTest, seed: 2)),
        ];
        var path = Path.Combine(directory, "fer2013-small.csv");
        using (var writer = new StreamWriter(path))
        {
            writer.WriteLine("emotion,pixels,Usage");
            foreach (var (split, faces) in splits)
            {
                for (var i = 0; i < faces.Count; i++)
                {
                    writer.WriteLine($"{(int)faces.Labels[i]},{string.Join(' ', faces.Image(i).ToArray())},{split}");
                }
            }
        }

        var data = Fer2013.Load(path);
        Assert.Equal(splits[0].Faces.Pixels, data.Training.Pixels);
        Assert.Equal((training, publicTest, privateTest), (data.Training.Count, data.PublicTest.Count, data.PrivateTest.Count));
        return data;
    }
}
