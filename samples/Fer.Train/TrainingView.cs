using PersonalFer.Model;
using Spectre.Console;

namespace PersonalFer.Train;

/// <summary>A live progress bar (epoch, loss, accuracy, ETA) in a terminal; plain epoch lines otherwise.</summary>
internal static class TrainingView
{
    public static TrainingResult Run(Func<IProgress<TrainingProgress>, TrainingResult> train)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            return train(new Progress<TrainingProgress>(_ => { }));
        }

        TrainingResult? result = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("training");
                result = train(new SynchronousProgress(p =>
                {
                    task.MaxValue = p.Epochs * p.Steps;
                    task.Value = ((p.Epoch - 1) * p.Steps) + p.Step;
                    task.Description = $"epoch {p.Epoch}/{p.Epochs} loss {p.Loss:F3} acc {p.Accuracy:P1} eta {p.Remaining:hh\\:mm\\:ss}";
                }));
            });
        return result!;
    }

    /// <summary>Reports on the training thread (Progress&lt;T&gt; would post to the thread pool out of order).</summary>
    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
