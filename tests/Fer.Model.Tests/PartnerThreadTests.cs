using PersonalFer.Tests;

namespace PersonalFer.Model.Tests;

/// <summary>
/// The head-training partner thread ends with its training, however the training ends. It lists the process's
/// threads, so it runs alone: no other test may be training a head meanwhile.
/// </summary>
[Collection(nameof(PartnerThreadTests))]
[CollectionDefinition(nameof(PartnerThreadTests), DisableParallelization = true)]
public sealed class PartnerThreadTests
{
    [Fact]
    public void A_training_cancelled_or_failed_midway_leaves_no_partner_thread_behind()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && Environment.ProcessorCount > 1, "Threads are listed from /proc on Linux; one core trains without a partner.");
        using var model = ExpressionModel.LoadDefault();
        var faces = TestFaces.Make(7, seed: 8);
        var person = model.ExtractFeatures(faces.Pixels, faces.Labels);
        using var cancellation = new CancellationTokenSource();

        Assert.Throws<OperationCanceledException>(() => PersonalHead.Train(model, person, model.GeneralReplay, new HeadTrainingOptions { Steps = 50 },
            new SynchronousProgress(step =>
            {
                if (step == 10)
                {
                    Assert.Contains(PartnerThreadName, ThreadNames());
                    cancellation.Cancel();
                }
            }),
            cancellation.Token));
        Assert.Throws<InvalidDataException>(() => PersonalHead.Train(model, person, model.GeneralReplay, new HeadTrainingOptions { Steps = 50 },
            new SynchronousProgress(step => throw new InvalidDataException($"step {step}"))));

        Assert.DoesNotContain(PartnerThreadName, ThreadNames());
    }

    // Linux names a thread by the first 15 bytes of its .NET name.
    private const string PartnerThreadName = "PersonalFer hea";

    private static List<string> ThreadNames()
    {
        var names = new List<string>();
        foreach (var task in Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                names.Add(File.ReadAllText(Path.Combine(task, "comm")).Trim());
            }
            catch (IOException)
            {
                // The thread ended between the listing and the read.
            }
        }

        return names;
    }

    private sealed class SynchronousProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
