using PersonalFer.Data;
using PersonalFer.Model;
using PersonalFer.Train;

namespace PersonalFer.Research;

/// <summary>
/// A product training run with the research settings: distillation and mixup through the trainer's objective,
/// stochastic weight averaging by following the completed epochs. The average is kept when it validates better
/// than the best epoch.
/// </summary>
internal sealed class ResearchRun : RunExtension
{
    private readonly ResearchSettings _settings;
    private readonly ExpressionModel _model;
    private readonly Fer2013Data _data;
    private readonly List<ExpressionModel> _teachers;
    private readonly FaceDataset? _teacherFaces;
    private readonly ExpressionModel? _average;
    private int _averagedEpochs;

    public ResearchRun(ResearchSettings settings, ExpressionModel model, Fer2013Data data, bool resuming)
    {
        _settings = settings;
        _model = model;
        _data = data;
        if (settings.AverageWeightsFromEpoch > 0 && resuming)
        {
            throw new ArgumentException("Weight averaging (--average-from) is not checkpointed: start the run again in a new folder.");
        }

        _teachers = settings.Teachers.Select(ModelFiles.Open).ToList();
        _teacherFaces = settings.TeacherData is null ? null : PairedFaces(settings.TeacherData, data.Training);
        if (settings.AverageWeightsFromEpoch > 0)
        {
            _average = ExpressionModel.Create(model.Architecture, seed: 0);
            _average.BeginWeightChanges();
        }
    }

    public override TrainingOptions Options(TrainingOptions options)
    {
        _settings.Validate(options.Epochs);
        return options with { Objective = new DistillationObjective(_settings, _teachers, _teacherFaces, options.Seed) };
    }

    // The paired file must hold the same faces in the same order (same labels row for row), loaded the way the
    // training data is, or the teachers would describe other faces.
    private static FaceDataset PairedFaces(string path, FaceDataset training)
    {
        var paired = Fer2013.Load(path, new Fer2013LoadOptions { DropBlankImages = true }).Training;
        if (paired.Count != training.Count)
        {
            throw new ArgumentException($"--teacher-data {path}: {paired.Count} Training faces, the training data has {training.Count}");
        }

        for (var row = 0; row < paired.Count; row++)
        {
            if (paired.Labels[row] != training.Labels[row])
            {
                throw new ArgumentException($"--teacher-data {path}: Training row {row} is {paired.Labels[row]}, the training data's is {training.Labels[row]}");
            }
        }

        return paired;
    }

    public override IProgress<TrainingProgress> Follow(IProgress<TrainingProgress> progress) => new EpochFollower(progress, summary =>
    {
        if (_average is not null && summary.Epoch >= _settings.AverageWeightsFromEpoch)
        {
            _averagedEpochs++;
            WeightAveraging.Accumulate(_average.Network, _model.Network, _averagedEpochs);
        }
    });

    public override string? Finish(TrainingResult result)
    {
        if (_average is null || _averagedEpochs == 0)
        {
            return null;
        }

        WeightAveraging.RecomputeBatchNormStatistics(_average.Network, _model.Manifest, _data.Training);
        _average.EndWeightChanges();
        var averageAccuracy = Evaluator.Evaluate(_average, _data.PublicTest).Accuracy;
        if (averageAccuracy <= result.BestValidationAccuracy)
        {
            return $"best epoch {result.BestEpoch} (PublicTest {result.BestValidationAccuracy:P2}; weight average of {_averagedEpochs} epochs: {averageAccuracy:P2})";
        }

        _model.BeginWeightChanges();
        using (TorchSharp.torch.no_grad())
        {
            _model.Network.load_state_dict(_average.Network.state_dict());
        }

        _model.EndWeightChanges();
        _model.Describe(m => m with { Metrics = new Dictionary<string, double> { [ModelManifest.PublicTestAccuracyMetric] = averageAccuracy } });
        return $"weight average of {_averagedEpochs} epochs (PublicTest {averageAccuracy:P2}; best epoch {result.BestEpoch}: {result.BestValidationAccuracy:P2})";
    }

    public override void Dispose()
    {
        _teachers.ForEach(t => t.Dispose());
        _average?.Dispose();
        base.Dispose();
    }

    /// <summary>Passes every report on and calls back at each epoch's end, on the training thread.</summary>
    private sealed class EpochFollower(IProgress<TrainingProgress> inner, Action<EpochSummary> epochCompleted) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.CompletedEpoch is { } summary)
            {
                epochCompleted(summary);
            }

            inner.Report(value);
        }
    }
}
