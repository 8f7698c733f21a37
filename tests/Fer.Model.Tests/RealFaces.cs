using PersonalFer.Data;
using PersonalFer.Tests;

namespace PersonalFer.Model.Tests;

/// <summary>Small, fixed subsets of the real FER2013 (loaded once per test run), or a skip when it is absent.</summary>
internal static class RealFaces
{
    private static readonly Lazy<Fer2013Data> All = new(() => Fer2013.Load(SharedFiles.Require("data/fer2013/fer2013.csv.gz")));

    public static Fer2013Data Require()
    {
        SharedFiles.Require("data/fer2013/fer2013.csv.gz");
        return All.Value;
    }

    /// <summary>The first <paramref name="count"/> faces of a split.</summary>
    public static FaceDataset First(Fer2013Split split, int count) => Require()[split].Select(Enumerable.Range(0, count).ToArray());
}
