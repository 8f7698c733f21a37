using PersonalFer.Model;

namespace PersonalFer.Train;

/// <summary>
/// What a training run may add to the plain trainer: the research tool (tools/Fer.Research) changes the options
/// (distillation, mixup), follows each epoch (weight averaging) and may replace the result at the end. This base
/// class adds nothing.
/// </summary>
internal class RunExtension : IDisposable
{
    /// <summary>The options the trainer gets.</summary>
    public virtual TrainingOptions Options(TrainingOptions options) => options;

    /// <summary>The progress the trainer reports to, wrapping the terminal's.</summary>
    public virtual IProgress<TrainingProgress> Follow(IProgress<TrainingProgress> progress) => progress;

    /// <summary>Called after training; returns a description of what the model now holds, or null for the best epoch.</summary>
    public virtual string? Finish(TrainingResult result) => null;

    /// <inheritdoc />
    public virtual void Dispose() => GC.SuppressFinalize(this);
}
