using PersonalFer.Data;
using PersonalFer.Detection;

namespace PersonalFer.Pipeline.Tests;

public sealed class ExpressionTrackerTests
{
    private static FaceExpression Face(int x, Expression expression, float confidence = 0.8f)
    {
        var probabilities = Enumerable.Repeat((1 - confidence) / (Expressions.Count - 1), Expressions.Count).ToArray();
        probabilities[(int)expression] = confidence;
        return new FaceExpression(new FaceBox(x, 50, 100, 100), 0.9f, null, expression, confidence, probabilities);
    }

    [Fact]
    public void A_one_frame_flicker_does_not_change_the_smoothed_expression()
    {
        var tracker = new ExpressionTracker();
        var sequence = new[] { Expression.Happy, Expression.Happy, Expression.Happy, Expression.Surprise, Expression.Happy, Expression.Happy };

        var smoothed = sequence.Select((e, frame) => tracker.Update([Face(100 + frame, e)]).Single()).ToList();

        Assert.All(smoothed, s => Assert.Equal(Expression.Happy, s.Expression));
        Assert.Equal(Expression.Surprise, smoothed[3].Frame.Expression);
        Assert.All(smoothed, s => Assert.Equal(1, s.TrackId));
        Assert.All(smoothed, s => Assert.Equal(1.0, s.Probabilities.Sum(), 4));
    }

    [Fact]
    public void A_lasting_change_comes_through_within_a_few_frames()
    {
        var tracker = new ExpressionTracker();
        for (var frame = 0; frame < 5; frame++)
        {
            tracker.Update([Face(100, Expression.Neutral)]);
        }

        var framesUntilSad = Enumerable.Range(1, 10).First(_ => tracker.Update([Face(100, Expression.Sad)]).Single().Expression == Expression.Sad);

        Assert.InRange(framesUntilSad, 2, 4);
    }

    [Fact]
    public void Faces_keep_their_own_track_and_history_when_they_swap_order()
    {
        var tracker = new ExpressionTracker();
        var first = tracker.Update([Face(0, Expression.Happy), Face(400, Expression.Angry)]);
        var second = tracker.Update([Face(405, Expression.Angry), Face(5, Expression.Happy)]);

        Assert.Equal([1, 2], first.Select(t => t.TrackId));
        Assert.Equal([2, 1], second.Select(t => t.TrackId));
        Assert.Equal([Expression.Angry, Expression.Happy], second.Select(t => t.Expression));
    }

    [Fact]
    public void A_track_survives_a_few_missed_frames_then_ends()
    {
        var tracker = new ExpressionTracker(new ExpressionTrackingOptions { MaxMissedFrames = 2 });
        tracker.Update([Face(100, Expression.Fear)]);
        tracker.Update([]);
        tracker.Update([]);
        Assert.Equal(1, tracker.Update([Face(100, Expression.Fear)]).Single().TrackId);

        tracker.Update([]);
        tracker.Update([]);
        tracker.Update([]);

        Assert.Equal(0, tracker.ActiveTracks);
        Assert.Equal(2, tracker.Update([Face(100, Expression.Fear)]).Single().TrackId);
    }

    [Fact]
    public void Weight_one_turns_smoothing_off()
    {
        var tracker = new ExpressionTracker(new ExpressionTrackingOptions { NewFrameWeight = 1 });
        tracker.Update([Face(100, Expression.Happy)]);

        var result = tracker.Update([Face(100, Expression.Disgust, 0.6f)]).Single();

        Assert.Equal(Expression.Disgust, result.Expression);
        Assert.Equal(result.Frame.Probabilities, result.Probabilities);
    }

    [Theory]
    [InlineData(0.0, 0.3, 5)]
    [InlineData(1.5, 0.3, 5)]
    [InlineData(0.3, 0.0, 5)]
    [InlineData(0.3, 1.1, 5)]
    [InlineData(0.3, 0.3, -1)]
    public void Invalid_options_are_rejected(double overlap, double weight, int missed) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExpressionTracker(
            new ExpressionTrackingOptions { MinimumOverlap = overlap, NewFrameWeight = weight, MaxMissedFrames = missed }));

    [Theory]
    [InlineData(0, 0, 10, 10, 0, 0, 10, 10, 1.0)]
    [InlineData(0, 0, 10, 10, 5, 0, 10, 10, 1.0 / 3)]
    [InlineData(0, 0, 10, 10, 20, 20, 10, 10, 0.0)]
    public void Overlap_is_intersection_over_union(int ax, int ay, int aw, int ah, int bx, int by, int bw, int bh, double expected) =>
        Assert.Equal(expected, ExpressionTracker.IntersectionOverUnion(new FaceBox(ax, ay, aw, ah), new FaceBox(bx, by, bw, bh)), 6);
}
