using PersonalFer.Model;
using PersonalFer.Tests;

namespace PersonalFer.Pipeline.Tests;

/// <summary>
/// <c>Personalizer.FineTuneAsync</c> with the shipped model on whole frames of the bundled photo: the profile of the
/// synchronous call, progress in order, cancellation before and during that leaves the model as it was.
/// </summary>
public sealed class FineTuneAsyncTests(ShippedModel shipped) : IClassFixture<ShippedModel>
{
    private static readonly PersonalizationOptions Options = new() { Head = new HeadTrainingOptions { Steps = 20, Seed = 7 } };

    [Fact]
    public async Task FineTuneAsync_trains_exactly_the_head_FineTune_trains_and_reports_the_same_progress_in_order()
    {
        var samples = EncodedImageClassifyTests.Samples();
        var personalizer = shipped.Personalizer;
        var syncReports = new List<PersonalizationProgress>();
        var asyncReports = new List<PersonalizationProgress>();
        using var released = new ManualResetEventSlim();

        var sync = personalizer.FineTune(samples, "me", Options, new CallbackProgress(syncReports.Add));
        var task = personalizer.FineTuneAsync(samples, "me", Options, new CallbackProgress(p =>
        {
            // The first report waits for the test: had FineTuneAsync run on the caller's thread, it could not return.
            released.Wait(TimeSpan.FromMinutes(2));
            asyncReports.Add(p);
        }), TestContext.Current.CancellationToken);
        Assert.False(task.IsCompleted);
        released.Set();
        var result = await task;

        using var syncProfile = sync.Profile;
        using var asyncProfile = result.Profile;
        Assert.Equal(HeadBytes(syncProfile), HeadBytes(asyncProfile));
        Assert.Equal(syncProfile.BaseModelFingerprint, asyncProfile.BaseModelFingerprint);
        Assert.Equal(sync.FacesUsed, result.FacesUsed);
        Assert.Equal(syncReports, asyncReports);
        Assert.Equal(
            Enumerable.Range(1, samples.Count).Select(i => new PersonalizationProgress(PersonalizationStage.FindingFaces, i, samples.Count))
                .Concat(Enumerable.Range(1, 20).Select(i => new PersonalizationProgress(PersonalizationStage.TrainingHead, i, 20))),
            asyncReports);
    }

    [Fact]
    public async Task Cancelling_before_or_during_the_face_search_or_the_head_training_stops_it_and_the_model_stays_usable()
    {
        var samples = EncodedImageClassifyTests.Samples();
        var personalizer = shipped.Personalizer;
        var fingerprint = shipped.Model.Fingerprint();
        using var frame = TestPhotos.Astronaut();
        var before = shipped.Pipeline.Classify(frame);

        using var early = new CancellationTokenSource();
        await early.CancelAsync();
        var notStarted = personalizer.FineTuneAsync(samples, "me", Options, cancellationToken: early.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => notStarted);
        Assert.True(notStarted.IsCanceled);

        foreach (var (stage, at) in new[] { (PersonalizationStage.FindingFaces, 2), (PersonalizationStage.TrainingHead, 5) })
        {
            using var during = new CancellationTokenSource();
            var reports = new List<PersonalizationProgress>();
            var progress = new CallbackProgress(p =>
            {
                reports.Add(p);
                if (p.Stage == stage && p.Completed == at)
                {
                    during.Cancel();
                }
            });

            var cancelled = personalizer.FineTuneAsync(samples, "me", Options, progress, during.Token);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);

            Assert.True(cancelled.IsCanceled);
            Assert.Equal(new PersonalizationProgress(stage, at, stage == PersonalizationStage.FindingFaces ? samples.Count : 20), reports[^1]);
        }

        Assert.Equal(fingerprint, shipped.Model.Fingerprint());
        EncodedImageClassifyTests.AssertSame(before, shipped.Pipeline.Classify(frame));
        using var profile = (await personalizer.FineTuneAsync(samples, "after", Options, cancellationToken: TestContext.Current.CancellationToken)).Profile;
        Assert.Equal(fingerprint, profile.BaseModelFingerprint);
    }

    [Fact]
    public async Task Bad_arguments_are_thrown_before_a_task_starts_and_failures_come_through_the_task()
    {
        var personalizer = shipped.Personalizer;

        Assert.Throws<ArgumentNullException>(() => { _ = personalizer.FineTuneAsync(null!, cancellationToken: TestContext.Current.CancellationToken); });
        Assert.Throws<ArgumentException>(() => { _ = personalizer.FineTuneAsync([null!], cancellationToken: TestContext.Current.CancellationToken); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = personalizer.FineTuneAsync(EncodedImageClassifyTests.Samples(), options: new PersonalizationOptions { MinimumFaces = 0 }, cancellationToken: TestContext.Current.CancellationToken); });
        var tooFew = personalizer.FineTuneAsync(EncodedImageClassifyTests.Samples()[..2], options: new PersonalizationOptions { MinimumFaces = 5 }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains("at least 5 are needed", (await Assert.ThrowsAsync<PersonalizationException>(() => tooFew)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WarmAsync_prepares_the_replay_and_a_cancelled_one_does_not_start()
    {
        var personalizer = shipped.Personalizer;
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => personalizer.WarmAsync(cancelled.Token));
        await personalizer.WarmAsync(TestContext.Current.CancellationToken);
    }

    private static byte[] HeadBytes(PersonalProfile profile)
    {
        using var stream = new MemoryStream();
        profile.Head.Save(stream);
        return stream.ToArray();
    }

    private sealed class CallbackProgress(Action<PersonalizationProgress> report) : IProgress<PersonalizationProgress>
    {
        public void Report(PersonalizationProgress value) => report(value);
    }
}
