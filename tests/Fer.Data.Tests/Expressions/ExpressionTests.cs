
namespace PersonalFer.Data.Tests;

public sealed class ExpressionTests
{
    [Fact]
    public void Classes_follow_the_FER2013_numbering()
    {
        Assert.Equal(Expressions.Count, Expressions.All.Count);
        Assert.Equal(
            ["Angry", "Disgust", "Fear", "Happy", "Sad", "Surprise", "Neutral"],
            Expressions.All.Select(e => e.ToString()));
        Assert.Equal(Enumerable.Range(0, 7), Expressions.All.Select(e => (int)e));
    }
}
