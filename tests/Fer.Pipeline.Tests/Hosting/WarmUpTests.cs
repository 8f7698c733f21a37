using OpenCvSharp;
using PersonalFer.Tests;

namespace PersonalFer.Pipeline.Tests;

/// <summary>
/// <c>ExpressionPipeline.WarmAsync</c>: it runs on the thread pool, changes no result, can be cancelled, and checks
/// its sizes. How much it saves the first request is measured by <c>Fer.Probe warmup</c> (docs/BENCHMARKS.md), not
/// here: tests do not time things.
/// </summary>
public sealed class WarmUpTests(ShippedModel shipped) : IClassFixture<ShippedModel>
{
    [Fact]
    public async Task Warming_changes_no_result_and_can_run_again_for_another_frame_size()
    {
        using var frame = TestPhotos.Astronaut();
        using var wide = new Mat(720, 1280, MatType.CV_8UC3, TestPhotos.Backdrop);
        using (var photoArea = new Mat(wide, new Rect(0, 0, frame.Width, frame.Height)))
        {
            frame.CopyTo(photoArea);
        }

        var cold = shipped.Pipeline;
        var expected = cold.Classify(frame);
        var expectedWide = cold.Classify(wide);
        var warmed = shipped.Pipeline;

        await warmed.WarmAsync(frame.Width, frame.Height, TestContext.Current.CancellationToken);
        EncodedImageClassifyTests.AssertSame(expected, warmed.Classify(frame));
        await warmed.WarmAsync(cancellationToken: TestContext.Current.CancellationToken);
        await warmed.WarmAsync(1280, 720, TestContext.Current.CancellationToken);
        EncodedImageClassifyTests.AssertSame(expectedWide, warmed.Classify(wide));
        EncodedImageClassifyTests.AssertSame(expected, warmed.Classify(frame));
    }

    [Fact]
    public async Task A_cancelled_warm_up_throws_and_bad_sizes_are_refused_before_it_starts()
    {
        var pipeline = shipped.Pipeline;
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pipeline.WarmAsync(cancellationToken: cancelled.Token));
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = pipeline.WarmAsync(0, 480, TestContext.Current.CancellationToken); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = pipeline.WarmAsync(640, 40000, TestContext.Current.CancellationToken); });
    }
}
