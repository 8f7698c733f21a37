using PersonalFer.Data;
using PersonalFer.Tests;
using TorchSharp;

namespace PersonalFer.Model.Tests;

public sealed class TrainerTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("fer-train-");

    public void Dispose() => _directory.Delete(recursive: true);

    private static TrainingOptions Quick(int epochs) => new()
    {
        Epochs = epochs,
        BatchSize = 32,
        LearningRate = 0.05,
        Schedule = LearningRateSchedule.Constant,
        LabelSmoothing = 0,
        Augmentation = AugmentationOptions.None,
        Seed = 11,
    };

    [Fact]
    public void A_short_run_on_a_few_hundred_faces_learns_them()
    {
        // Validating on the training faces themselves: the best epoch kept is then the one that fits them best.
        var training = TestFaces.Make(256);
        using var model = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 3);
        var before = Evaluator.Evaluate(model, training).Accuracy;

        var result = new Trainer().Train(model, training, training, Quick(12) with { Optimizer = OptimizerKind.AdamW, LearningRate = 1e-3, WeightDecay = 0 });

        var after = Evaluator.Evaluate(model, training).Accuracy;
        var majorityShare = training.ClassCounts().Max() / (double)training.Count;
        Assert.True(result.History[^1].TrainLoss < result.History[0].TrainLoss * 0.85,
            $"training loss fell only from {result.History[0].TrainLoss:F3} to {result.History[^1].TrainLoss:F3}");
        Assert.True(after > majorityShare + 0.1 && after > before + 0.15,
            $"accuracy on the training faces went from {before:P1} to {after:P1} (majority class {majorityShare:P1})");
        Assert.Equal(12, result.History.Count);
        Assert.Equal(result.History.MaxBy(e => e.ValidationAccuracy)!.Epoch, result.BestEpoch);
        Assert.Equal(result.BestValidationAccuracy, after, 6);
    }

    [Fact]
    public void The_same_seed_gives_the_same_run()
    {
        var training = TestFaces.Make(96);
        var validation = TestFaces.Make(64, seed: 1);
        var options = Quick(2) with { Augmentation = new AugmentationOptions() };

        double[] Run()
        {
            using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 5);
            new Trainer().Train(model, training, validation, options);
            return model.PredictProbabilities(validation.Pixels, validation.Count).Select(p => (double)p).ToArray();
        }

        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void An_interrupted_run_resumes_from_its_checkpoint_and_ends_where_an_uninterrupted_one_does()
    {
        var training = TestFaces.Make(96);
        var validation = TestFaces.Make(64, seed: 1);
        var options = Quick(3) with { Augmentation = new AugmentationOptions() };

        using var straight = ExpressionModel.Create(ModelArchitecture.Seed, seed: 9);
        var straightResult = new Trainer().Train(straight, training, validation, options with { CheckpointDirectory = Path.Combine(_directory.FullName, "a") });

        var checkpoints = Path.Combine(_directory.FullName, "b");
        using (var interrupted = ExpressionModel.Create(ModelArchitecture.Seed, seed: 9))
        using (var cancellation = new CancellationTokenSource())
        {
            var progress = new SynchronousProgress(p =>
            {
                if (p.CompletedEpoch?.Epoch == 2)
                {
                    cancellation.Cancel();
                }
            });
            Assert.Throws<OperationCanceledException>(() =>
                new Trainer().Train(interrupted, training, validation, options with { CheckpointDirectory = checkpoints }, progress, cancellation.Token));
        }

        using var resumed = ExpressionModel.Create(ModelArchitecture.Seed, seed: 123);
        var resumedResult = new Trainer().Train(resumed, training, validation, options with { CheckpointDirectory = checkpoints });

        Assert.Equal(2, resumedResult.ResumedFromEpoch);
        Assert.Equal(3, resumedResult.History.Count);
        Assert.Equal(straightResult.History.Select(e => e.ValidationAccuracy), resumedResult.History.Select(e => e.ValidationAccuracy));
        Assert.Equal(straightResult.History.Select(e => e.TrainLoss), resumedResult.History.Select(e => e.TrainLoss));
        Assert.Equal(straightResult.BestEpoch, resumedResult.BestEpoch);
        Assert.Equal(straightResult.BestValidationAccuracy, resumedResult.BestValidationAccuracy);
        Assert.Equal(0, straightResult.ResumedFromEpoch);
        Assert.Equal(straight.Fingerprint(), resumed.Fingerprint());
        Assert.Equal(straight.PredictProbabilities(validation.Pixels, validation.Count), resumed.PredictProbabilities(validation.Pixels, validation.Count));
        Assert.True(File.Exists(Path.Combine(checkpoints, "best.fermodel")));
        Assert.Equal([Path.Combine(checkpoints, "epoch-003.fermodel")], Directory.GetFiles(checkpoints, "epoch-*.fermodel")); // only the last epoch's
    }

    [Fact]
    public void A_training_objective_gets_every_steps_augmented_faces_and_the_trainers_own_classifier_and_loss()
    {
        // An objective that only passes the trainer's classifier and cross-entropy through must give exactly the run
        // without one; it is asked once per step, with the epoch.
        var training = TestFaces.Make(96);
        var validation = TestFaces.Make(64, seed: 1);
        var options = Quick(2) with { Augmentation = new AugmentationOptions() };
        var objective = new RecordingObjective();

        double[] Run(TrainingOptions runOptions)
        {
            using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 5);
            new Trainer().Train(model, training, validation, runOptions);
            return model.PredictProbabilities(validation.Pixels, validation.Count).Select(p => (double)p).ToArray();
        }

        Assert.Equal(Run(options), Run(options with { Objective = objective }));
        Assert.Equal([1, 1, 1, 2, 2, 2], objective.Epochs); // 96 faces in steps of 32, two epochs
        Assert.Equal([32, 32, 32, 32, 32, 32], objective.BatchSizes);
        Assert.All(objective.FaceRanges, range => Assert.InRange(range.Min, 0, range.Max));
        Assert.All(objective.FaceRanges, range => Assert.InRange(range.Max, range.Min, 1));

        // Each epoch visits every row once, and each row's label is the one handed over with it.
        Assert.All(objective.Rows.Chunk(3), epoch => Assert.Equal(Enumerable.Range(0, 96), epoch.SelectMany(rows => rows).Order()));
        Assert.All(objective.Rows.Zip(objective.Labels), batch => Assert.Equal(batch.First.Select(row => (long)training.Labels[row]), batch.Second));
    }

    [Fact]
    public void Live_tensors_do_not_grow_with_the_number_of_steps()
    {
        var training = TestFaces.Make(64);
        var validation = TestFaces.Make(32, seed: 1);
        using var model = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 1);
        TrainingLeaks.AssertLiveTensorsDoNotGrow(model, training, validation, Quick(1) with { BatchSize = 16, Augmentation = new AugmentationOptions() });
    }

    [Fact]
    public void Invalid_options_and_empty_sets_are_rejected_before_training()
    {
        using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 1);
        var faces = new FaceDataset(new byte[FaceImage.PixelCount], [Expression.Happy]);
        var trainer = new Trainer();
        Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Train(model, faces, faces, new TrainingOptions { Epochs = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Train(model, faces, faces, new TrainingOptions { LabelSmoothing = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Train(model, faces, faces, new TrainingOptions { Augmentation = new AugmentationOptions { MaxShift = 2 } }));
        Assert.Throws<ArgumentException>(() => trainer.Train(model, FaceDataset.Empty, faces, new TrainingOptions()));
    }

    [Fact]
    public void Cosine_schedule_warms_up_then_decays_to_zero()
    {
        var options = new TrainingOptions { Epochs = 10, LearningRate = 0.1 };
        Assert.Equal(0.05, Trainer.LearningRateAt(options, 0.5), 9);
        Assert.Equal(0.1 * 0.5 * (1 + Math.Cos(Math.PI * 0.1)), Trainer.LearningRateAt(options, 1), 9);
        Assert.Equal(0.05, Trainer.LearningRateAt(options, 5), 9);
        Assert.Equal(0, Trainer.LearningRateAt(options, 10), 9);
        Assert.Equal(0.1, Trainer.LearningRateAt(options with { Schedule = LearningRateSchedule.Constant }, 7), 9);
    }

    private sealed class RecordingObjective : ITrainingObjective
    {
        public List<int> Epochs { get; } = [];

        public List<long> BatchSizes { get; } = [];

        public List<(float Min, float Max)> FaceRanges { get; } = [];

        public List<int[]> Rows { get; } = [];

        public List<long[]> Labels { get; } = [];

        public (torch.Tensor Logits, torch.Tensor Loss) Step(
            torch.Tensor unitFaces, torch.Tensor labels, ReadOnlyMemory<int> rows, int epoch, Func<torch.Tensor, torch.Tensor> classify, Func<torch.Tensor, torch.Tensor, torch.Tensor> crossEntropy)
        {
            Epochs.Add(epoch);
            Rows.Add(rows.ToArray());
            Labels.Add(labels.data<long>().ToArray());
            BatchSizes.Add(unitFaces.shape[0]);
            FaceRanges.Add((unitFaces.min().item<float>(), unitFaces.max().item<float>()));
            var logits = classify(unitFaces);
            return (logits, crossEntropy(logits, labels));
        }
    }

    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
