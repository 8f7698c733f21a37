namespace PersonalFer.Tests;

/// <summary>Assertions on what an error says, showing the whole message when it does not (xUnit cuts long strings).</summary>
internal static class Problems
{
    public static void AssertSays(this Exception error, string problem) =>
        Assert.True(error.Message.Contains(problem, StringComparison.Ordinal), $"expected \"{problem}\" in: {error.Message}");
}
