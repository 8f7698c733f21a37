using PersonalFer.Data;
using PersonalFer.Tests;

namespace PersonalFer.Model.Tests;

/// <summary>
/// FER2013, loaded once per test run, for the tests that measure a trained model on it, or a skip naming it when it
/// is absent. Tests of mechanics use <see cref="TestFaces"/> instead, which run anywhere.
/// </summary>
internal static class RealFaces
{
    private static readonly Lazy<Fer2013Data> All = new(() => Fer2013.Load(SharedFiles.Fer2013Csv));

    public static Fer2013Data Require() => All.Value;
}
