using PersonalFer.Data;
using PersonalFer.Model;
using PersonalFer.Tests;
using TorchSharp;
using TorchSharp.Modules;

namespace PersonalFer.Research.Tests;

public sealed class WeightAveragingTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("fer-swa-");

    public void Dispose() => _directory.Delete(recursive: true);

    private static TrainingOptions Quick(int epochs) => new()
    {
        Epochs = epochs,
        BatchSize = 32,
        LearningRate = 0.05,
        Schedule = LearningRateSchedule.Constant,
        LabelSmoothing = 0,
        Augmentation = new AugmentationOptions(),
        Seed = 11,
    };

    [Fact]
    public void Accumulating_keeps_the_equal_weight_mean_of_the_parameters_folded_in()
    {
        using var a = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 1);
        using var b = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 2);
        using var c = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 3);
        using var average = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 4);
        var weights = new[] { a, b, c }.Select(m => m.Weights()).ToArray();
        var statisticsBefore = average.Weights();

        // The first fold replaces whatever the average held, as a research run's first averaged epoch does.
        WeightAveraging.Accumulate(average.Network, a.Network, 1);
        WeightAveraging.Accumulate(average.Network, b.Network, 2);
        WeightAveraging.Accumulate(average.Network, c.Network, 3);

        var averaged = average.Weights();
        var parameterNames = ParameterNames(average);
        Assert.NotEmpty(parameterNames);
        foreach (var name in parameterNames)
        {
            var expected = Mean(weights.Select(w => w[name].Values).ToArray());
            Assert.Equal(expected, averaged[name].Values, (x, y) => Math.Abs(x - y) <= 1e-6f * (1 + Math.Abs(x)));
        }

        // BatchNorm statistics are buffers, not parameters: they are left for RecomputeBatchNormStatistics.
        var runningMeans = averaged.Keys.Where(n => n.EndsWith(".running_mean", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(runningMeans);
        Assert.All(runningMeans, name => Assert.Equal(statisticsBefore[name].Values, averaged[name].Values));
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightAveraging.Accumulate(average.Network, a.Network, 0));
    }

    [Fact]
    public void Recomputed_BatchNorm_statistics_are_an_equal_weight_mean_over_the_batches()
    {
        // 128 faces go through in two batches of 64. With an equal-weight mean the first layer's running mean is the
        // mean of its input over all 128 faces; an exponential moving average (libtorch's default momentum 0.1),
        // or the statistics of the last batch alone, would not be.
        var faces = TestFaces.Make(2 * TrainingOptions.DefaultBatchSize);
        using var model = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 6);

        WeightAveraging.RecomputeBatchNormStatistics(model.Network, model.Manifest, faces);

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var convolution = model.Network.modules().OfType<Conv2d>().First();
        var norm = model.Network.modules().OfType<BatchNorm2d>().First();
        var output = convolution.forward(FaceTensors.Normalize(FaceTensors.Unit(faces.Pixels, faces.Count), model.Manifest));
        var overAllFaces = output.mean([0, 2, 3]).data<float>().ToArray();
        var lastBatchOnly = output.narrow(0, TrainingOptions.DefaultBatchSize, TrainingOptions.DefaultBatchSize).mean([0, 2, 3]).data<float>().ToArray();
        var runningMean = norm.running_mean!.data<float>().ToArray();
        Assert.Contains(overAllFaces, m => Math.Abs(m) > 1e-3);
        Assert.Equal(overAllFaces, runningMean, (x, y) => Math.Abs(x - y) <= 1e-4f * (1 + Math.Abs(x)));
        Assert.NotEqual(lastBatchOnly, runningMean, (x, y) => Math.Abs(x - y) <= 1e-4f * (1 + Math.Abs(x)));
        Assert.All(model.Network.modules().OfType<BatchNorm2d>(), n => Assert.Equal(0.1, n.momentum));
        Assert.False(model.Network.training);
    }

    [Fact]
    public void A_research_run_averages_the_epochs_from_the_one_given_and_keeps_the_average_only_if_it_validates_better()
    {
        var data = SmallFer2013.Write(_directory.FullName, training: 96, publicTest: 64, privateTest: 8);
        using var model = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 4);
        using var run = new ResearchRun(new ResearchSettings { AverageWeightsFromEpoch = 2 }, model, data, resuming: false);
        var epochWeights = new List<IReadOnlyDictionary<string, WeightArray>>();
        var reports = 0;
        var progress = run.Follow(new SynchronousProgress(p =>
        {
            reports++;
            if (p.CompletedEpoch?.Epoch >= 2)
            {
                epochWeights.Add(model.Weights());
            }
        }));
        var options = run.Options(Quick(3));

        var result = new Trainer().Train(model, data.Training, data.PublicTest, options, progress);
        var bestEpochFingerprint = model.Fingerprint();
        var description = run.Finish(result);

        Assert.Equal(3 * (3 + 1), reports); // 3 steps of 32 and the epoch's end, every one passed on
        Assert.Equal(2, epochWeights.Count);
        using var expected = Averaged(epochWeights, data.Training);
        var averageAccuracy = Evaluator.Evaluate(expected, data.PublicTest).Accuracy;
        Assert.NotNull(description);
        if (averageAccuracy > result.BestValidationAccuracy)
        {
            Assert.StartsWith($"weight average of 2 epochs (PublicTest {averageAccuracy:P2}", description);
            AssertHoldsTheAverage(model, expected, averageAccuracy, data.PublicTest);
        }
        else
        {
            Assert.StartsWith($"best epoch {result.BestEpoch} (PublicTest {result.BestValidationAccuracy:P2}; weight average of 2 epochs: {averageAccuracy:P2})", description);
            Assert.Equal(bestEpochFingerprint, model.Fingerprint());
            Assert.Equal(result.BestValidationAccuracy, Evaluator.Evaluate(model, data.PublicTest).Accuracy, 9);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_average_replaces_the_best_epoch_only_when_its_validation_accuracy_is_strictly_higher(bool averageBetter)
    {
        // The run is driven by hand: the model takes the weights of three different networks at the ends of epochs 1
        // to 3, and the best epoch's accuracy is set just below, or exactly at, the average's.
        var data = SmallFer2013.Write(_directory.FullName, training: 64, publicTest: 64, privateTest: 8);
        using var model = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 4);
        using var second = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 5);
        using var third = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 6);
        using var run = new ResearchRun(new ResearchSettings { AverageWeightsFromEpoch = 2 }, model, data, resuming: false);
        var passedOn = new List<TrainingProgress>();
        var progress = run.Follow(new SynchronousProgress(passedOn.Add));

        model.BeginWeightChanges();
        progress.Report(EpochEnd(1)); // before the averaging starts
        CopyWeights(second, model);
        progress.Report(new TrainingProgress(2, 3, 1, 2, 1.5, 0.2, TimeSpan.Zero, null)); // a step: not an epoch's end
        progress.Report(EpochEnd(2));
        CopyWeights(third, model);
        progress.Report(EpochEnd(3));
        model.EndWeightChanges();
        var lastEpochFingerprint = model.Fingerprint();

        Assert.Equal(4, passedOn.Count);
        using var expected = Averaged([second.Weights(), third.Weights()], data.Training);
        var averageAccuracy = Evaluator.Evaluate(expected, data.PublicTest).Accuracy;
        var bestAccuracy = averageBetter ? averageAccuracy - (0.5 / data.PublicTest.Count) : averageAccuracy;
        var history = Enumerable.Range(1, 3).Select(e => EpochEnd(e).CompletedEpoch!).ToList();
        var description = run.Finish(new TrainingResult(history, BestEpoch: 3, bestAccuracy, StoppedEarly: false, ResumedFromEpoch: 0));

        if (averageBetter)
        {
            Assert.Equal($"weight average of 2 epochs (PublicTest {averageAccuracy:P2}; best epoch 3: {bestAccuracy:P2})", description);
            AssertHoldsTheAverage(model, expected, averageAccuracy, data.PublicTest);
        }
        else
        {
            Assert.Equal($"best epoch 3 (PublicTest {bestAccuracy:P2}; weight average of 2 epochs: {averageAccuracy:P2})", description);
            Assert.Equal(lastEpochFingerprint, model.Fingerprint());
        }
    }

    [Fact]
    public void Without_averaging_a_research_run_leaves_the_best_epoch_alone()
    {
        var data = SmallFer2013.Write(_directory.FullName, training: 32, publicTest: 32, privateTest: 8);
        using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 2);
        using var run = new ResearchRun(new ResearchSettings(), model, data, resuming: false);
        var options = run.Options(Quick(2));

        var result = new Trainer().Train(model, data.Training, data.PublicTest, options, run.Follow(new SynchronousProgress(_ => { })));
        var fingerprint = model.Fingerprint();

        Assert.Null(run.Finish(result));
        Assert.Equal(fingerprint, model.Fingerprint());
        Assert.Equal(result.BestValidationAccuracy, model.Manifest.Metrics[ModelManifest.PublicTestAccuracyMetric], 9);
    }

    [Fact]
    public void Averaging_cannot_resume_and_must_start_within_the_run()
    {
        var data = SmallFer2013.Write(_directory.FullName, training: 8, publicTest: 8, privateTest: 8);
        using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 1);
        var averaging = new ResearchSettings { AverageWeightsFromEpoch = 2 };

        var resumed = Assert.Throws<ArgumentException>(() => new ResearchRun(averaging, model, data, resuming: true));
        Assert.Contains("not checkpointed", resumed.Message);
        new ResearchRun(new ResearchSettings(), model, data, resuming: true).Dispose(); // without averaging a run resumes
        using var run = new ResearchRun(averaging, model, data, resuming: false);
        Assert.Throws<ArgumentOutOfRangeException>(() => run.Options(new TrainingOptions { Epochs = 1 }));
        var options = run.Options(new TrainingOptions { Epochs = 2, Seed = 5 });
        Assert.IsType<DistillationObjective>(options.Objective);
        Assert.Equal(new TrainingOptions { Epochs = 2, Seed = 5 }, options with { Objective = null });
    }

    /// <summary>The equal-weight mean of the epochs' weights with BatchNorm statistics recomputed on the training faces.</summary>
    private static ExpressionModel Averaged(IReadOnlyList<IReadOnlyDictionary<string, WeightArray>> epochs, FaceDataset training)
    {
        var mean = epochs[0].ToDictionary(kv => kv.Key, kv => new WeightArray(kv.Value.Shape, Mean(epochs.Select(e => e[kv.Key].Values).ToArray())));
        var model = ExpressionModel.FromWeights(ModelArchitecture.VggBn, mean);
        model.BeginWeightChanges();
        WeightAveraging.RecomputeBatchNormStatistics(model.Network, model.Manifest, training);
        model.EndWeightChanges();
        return model;
    }

    private static void AssertHoldsTheAverage(ExpressionModel model, ExpressionModel expected, double averageAccuracy, FaceDataset validation)
    {
        var (held, wanted) = (model.Weights(), expected.Weights());
        var names = ParameterNames(model).Concat(wanted.Keys.Where(n => n.EndsWith(".running_mean", StringComparison.Ordinal) || n.EndsWith(".running_var", StringComparison.Ordinal))).ToList();
        Assert.True(names.Count > ParameterNames(model).Count);
        Assert.All(names, name => Assert.Equal(wanted[name].Values, held[name].Values, (x, y) => Math.Abs(x - y) <= 1e-5f * (1 + Math.Abs(x))));
        Assert.Equal(averageAccuracy, model.Manifest.Metrics[ModelManifest.PublicTestAccuracyMetric], 9);
        Assert.Equal(averageAccuracy, Evaluator.Evaluate(model, validation).Accuracy, 9);
    }

    private static TrainingProgress EpochEnd(int epoch) =>
        new(epoch, 3, 2, 2, 1.0, 0.3, TimeSpan.Zero, new EpochSummary(epoch, 1.0, 0.3, 1.1, 0.25, 0.05, TimeSpan.FromSeconds(1)));

    private static void CopyWeights(ExpressionModel from, ExpressionModel to)
    {
        using var noGrad = torch.no_grad();
        to.Network.load_state_dict(from.Network.state_dict());
    }

    private static List<string> ParameterNames(ExpressionModel model) => model.Network.named_parameters().Select(p => p.name.TrimStart('_')).ToList();

    private static float[] Mean(float[][] values) =>
        Enumerable.Range(0, values[0].Length).Select(i => values.Sum(v => v[i]) / values.Length).ToArray();

    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
