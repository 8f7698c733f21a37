using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PersonalFer.Data;
using PersonalFer.Model.Networks;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PersonalFer.Model;

/// <summary>
/// Trains an <see cref="ExpressionModel"/> on labelled faces: seeded shuffling and augmentation, one dispose scope
/// per step, validation every epoch, a checkpoint every epoch (resumed automatically), early stopping, and the best
/// epoch's weights left in the model at the end.
/// </summary>
public sealed class Trainer
{
    private readonly ILogger _logger;

    /// <summary>Creates a trainer that logs to <paramref name="logger"/> (none when null).</summary>
    public Trainer(ILogger<Trainer>? logger = null) => _logger = logger ?? NullLogger<Trainer>.Instance;

    /// <summary>Trains <paramref name="model"/> in place.</summary>
    /// <exception cref="ArgumentException">Options out of range, or an empty training or validation set.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the last completed epoch is checkpointed.</exception>
    public TrainingResult Train(
        ExpressionModel model,
        FaceDataset training,
        FaceDataset validation,
        TrainingOptions options,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (training.Count == 0 || validation.Count == 0)
        {
            throw new ArgumentException("Training and validation sets must not be empty.");
        }

        // libtorch's thread count is process-wide: set only when asked, and put back afterwards.
        var threadsBefore = get_num_threads();
        if (options.Threads > 0)
        {
            set_num_threads(options.Threads);
        }

        model.BeginWeightChanges();
        try
        {
            return TrainEpochs(model, training, validation, options, progress, cancellationToken);
        }
        finally
        {
            // Inference and the fingerprint must follow the trained (or, if cancelled, the current) weights.
            model.EndWeightChanges();
            if (options.Threads > 0)
            {
                set_num_threads(threadsBefore);
            }
        }
    }

    private TrainingResult TrainEpochs(
        ExpressionModel model, FaceDataset training, FaceDataset validation, TrainingOptions options,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var network = model.Network;
        var trainable = network.parameters().Where(p => p.requires_grad).ToList();
        using var optimizer = CreateOptimizer(trainable, options);
        using var classWeights = options.ClassWeighting ? InverseFrequencyWeights(training) : null;
        var checkpoints = options.CheckpointDirectory is { } directory ? new CheckpointStore(directory) : null;

        var state = checkpoints?.TryResume(model, optimizer) ?? new TrainingState();
        if (state.CompletedEpochs > 0)
        {
            Log.Resumed(_logger, state.CompletedEpochs, options.CheckpointDirectory!);
        }

        var resumedFrom = state.CompletedEpochs;
        var best = checkpoints is null ? SnapshotWeights(network) : null;
        var steps = (training.Count + options.BatchSize - 1) / options.BatchSize;
        var stopwatch = Stopwatch.StartNew();
        var stoppedEarly = false;
        for (var epoch = state.CompletedEpochs + 1; epoch <= options.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var epochWatch = Stopwatch.StartNew();
            var (trainLoss, trainAccuracy, learningRate) = RunEpoch(model, training, options, optimizer, classWeights, epoch, steps,
                (step, loss, accuracy) =>
                {
                    var done = (epoch - resumedFrom - 1) + (step / (double)steps);
                    var remaining = TimeSpan.FromSeconds(stopwatch.Elapsed.TotalSeconds / done * (options.Epochs - resumedFrom - done));
                    progress?.Report(new TrainingProgress(epoch, options.Epochs, step, steps, loss, accuracy, remaining, null));
                },
                cancellationToken);
            var (validationLoss, validationAccuracy) = Validate(model, validation);
            var summary = new EpochSummary(epoch, trainLoss, trainAccuracy, validationLoss, validationAccuracy, learningRate, epochWatch.Elapsed);
            state = state.After(summary);
            Log.EpochCompleted(_logger, epoch, options.Epochs, trainLoss, trainAccuracy, validationLoss, validationAccuracy, learningRate, epochWatch.Elapsed.TotalSeconds);

            var isBest = state.BestEpoch == epoch;
            if (checkpoints is not null)
            {
                checkpoints.Save(model, optimizer, state, isBest, options.Command);
            }
            else if (isBest)
            {
                DisposeWeights(best);
                best = SnapshotWeights(network);
            }

            var remainingTime = TimeSpan.FromSeconds(stopwatch.Elapsed.TotalSeconds / (epoch - resumedFrom) * (options.Epochs - epoch));
            progress?.Report(new TrainingProgress(epoch, options.Epochs, steps, steps, trainLoss, trainAccuracy, remainingTime, summary));
            if (options.EarlyStoppingPatience > 0 && epoch - state.BestEpoch >= options.EarlyStoppingPatience)
            {
                Log.StoppedEarly(_logger, epoch, state.BestEpoch, state.BestValidationAccuracy);
                stoppedEarly = true;
                break;
            }
        }

        if (checkpoints is not null)
        {
            checkpoints.RestoreBest(model);
        }
        else if (best is not null)
        {
            RestoreWeights(network, best);
        }

        model.Describe(m => m with
        {
            Epochs = state.BestEpoch,
            Command = options.Command ?? m.Command,
            Metrics = new Dictionary<string, double> { [ModelManifest.PublicTestAccuracyMetric] = state.BestValidationAccuracy },
        });
        network.eval();
        return new TrainingResult(state.History, state.BestEpoch, state.BestValidationAccuracy, stoppedEarly, resumedFrom);
    }

    private static (double Loss, double Accuracy, double LearningRate) RunEpoch(
        ExpressionModel model, FaceDataset training, TrainingOptions options, OptimizerHelper optimizer, Tensor? classWeights,
        int epoch, int steps, Action<int, double, double> reportStep, CancellationToken cancellationToken)
    {
        var network = model.Network;
        network.train();
        using var dropoutGenerator = new Generator((ulong)Mix(options.Seed, epoch, 1));
        using var generator = new Generator((ulong)Mix(options.Seed, epoch, 2));
        SeededDropout.Use(network, dropoutGenerator);
        try
        {
            return RunSteps(model, training, options, optimizer, classWeights, epoch, steps, reportStep, generator, cancellationToken);
        }
        finally
        {
            SeededDropout.Use(network, null);
        }
    }

    private static (double Loss, double Accuracy, double LearningRate) RunSteps(
        ExpressionModel model, FaceDataset training, TrainingOptions options, OptimizerHelper optimizer, Tensor? classWeights,
        int epoch, int steps, Action<int, double, double> reportStep, Generator generator, CancellationToken cancellationToken)
    {
        var network = model.Network;
        var order = Enumerable.Range(0, training.Count).ToArray();
        new Random(Mix(options.Seed, epoch, 3)).Shuffle(order);
        var batchPixels = new byte[options.BatchSize * FaceImage.PixelCount];
        var batchLabels = new long[options.BatchSize];
        double lossSum = 0;
        long correct = 0, seen = 0;
        var learningRate = options.LearningRate;
        var objective = options.Objective ?? CrossEntropyObjective.Instance;
        Tensor Classify(Tensor unitFaces) => network.forward(FaceTensors.Normalize(unitFaces, model.Manifest));
        Tensor CrossEntropy(Tensor logits, Tensor labels) =>
            nn.functional.cross_entropy(logits, labels, classWeights, label_smoothing: options.LabelSmoothing);
        for (var step = 0; step < steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ObjectDisposedException.ThrowIf(model.IsDisposed, model);
            var count = Math.Min(options.BatchSize, training.Count - (step * options.BatchSize));
            for (var i = 0; i < count; i++)
            {
                var index = order[(step * options.BatchSize) + i];
                training.Image(index).CopyTo(batchPixels.AsSpan(i * FaceImage.PixelCount));
                batchLabels[i] = (long)training.Labels[index];
            }

            learningRate = LearningRateAt(options, epoch - 1 + (step / (double)steps));
            foreach (var group in optimizer.ParamGroups)
            {
                group.LearningRate = learningRate;
            }

            using var scope = NewDisposeScope();
            var unit = FaceTensors.Unit(batchPixels.AsSpan(0, count * FaceImage.PixelCount), count);
            var augmented = Augmenter.Apply(unit, options.Augmentation, generator);
            var labels = tensor(batchLabels.AsSpan(0, count).ToArray());
            optimizer.zero_grad();
            var (logits, loss) = objective.Step(augmented, labels, order.AsMemory(step * options.BatchSize, count), epoch, Classify, CrossEntropy);
            loss.backward();
            optimizer.step();

            lossSum += loss.item<float>() * count;
            correct += logits.argmax(1).eq(labels).sum().item<long>();
            seen += count;
            reportStep(step + 1, lossSum / seen, correct / (double)seen);
        }

        return (lossSum / seen, correct / (double)seen, learningRate);
    }

    /// <summary>Mean loss and accuracy without augmentation or dropout.</summary>
    private static (double Loss, double Accuracy) Validate(ExpressionModel model, FaceDataset data)
    {
        model.Network.eval();
        double lossSum = 0;
        long correct = 0;
        using var noGrad = no_grad();
        FaceBatches.ForEach(data.Pixels, data.Count, (unit, start, count) =>
        {
            var labels = tensor(Enumerable.Range(start, count).Select(i => (long)data.Labels[i]).ToArray());
            var logits = model.Network.forward(FaceTensors.Normalize(unit, model.Manifest));
            lossSum += nn.functional.cross_entropy(logits, labels).item<float>() * count;
            correct += logits.argmax(1).eq(labels).sum().item<long>();
        });

        return (lossSum / data.Count, correct / (double)data.Count);
    }

    internal static double LearningRateAt(TrainingOptions options, double epochProgress)
    {
        if (options.Schedule == LearningRateSchedule.Constant)
        {
            return options.LearningRate;
        }

        if (epochProgress < 1 && options.Epochs > 1)
        {
            return options.LearningRate * Math.Max(epochProgress, 0.01);
        }

        return options.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(epochProgress / options.Epochs, 1)));
    }

    private static OptimizerHelper CreateOptimizer(IList<Parameter> parameters, TrainingOptions options) => options.Optimizer switch
    {
        OptimizerKind.Sgd => optim.SGD(parameters, options.LearningRate, options.Momentum, weight_decay: options.WeightDecay, nesterov: true),
        OptimizerKind.AdamW => optim.AdamW(parameters, options.LearningRate, weight_decay: options.WeightDecay),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, "unknown optimizer"),
    };

    private static Tensor InverseFrequencyWeights(FaceDataset training)
    {
        var counts = training.ClassCounts();
        var weights = counts.Select(c => c == 0 ? 0f : training.Count / (float)(Expressions.Count * c)).ToArray();
        return tensor(weights);
    }

    private static Dictionary<string, Tensor> SnapshotWeights(nn.Module network)
    {
        using var noGrad = no_grad();
        return network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
    }

    private static void RestoreWeights(nn.Module network, Dictionary<string, Tensor> weights)
    {
        using (no_grad())
        {
            network.load_state_dict(weights);
        }

        DisposeWeights(weights);
    }

    private static void DisposeWeights(Dictionary<string, Tensor>? weights)
    {
        foreach (var tensor in weights?.Values ?? Enumerable.Empty<Tensor>())
        {
            tensor.Dispose();
        }
    }

    /// <summary>A deterministic seed per run, epoch and random stream (HashCode is randomized per process).</summary>
    internal static int Mix(int seed, int epoch, int stream) => unchecked((seed * 1_000_003) + (epoch * 7_919) + (stream * 104_729)) & int.MaxValue;
}
