using PersonalFer.Data;
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
    public void A_short_run_on_a_few_hundred_real_faces_learns_them()
    {
        // Validating on the training faces themselves: the best epoch kept is then the one that fits them best.
        var training = RealFaces.First(Fer2013Split.Training, 256);
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
        var training = RealFaces.First(Fer2013Split.Training, 96);
        var validation = RealFaces.First(Fer2013Split.PublicTest, 64);
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
        var training = RealFaces.First(Fer2013Split.Training, 96);
        var validation = RealFaces.First(Fer2013Split.PublicTest, 64);
        // Averaging from epoch 2: the interruption falls between the two averaged epochs, so the average resumes too.
        var options = Quick(3) with { Augmentation = new AugmentationOptions(), AverageWeightsFromEpoch = 2 };

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
        Assert.Equal(straightResult.BestEpoch, resumedResult.BestEpoch);
        Assert.Equal(2, resumedResult.AveragedEpochs);
        Assert.NotNull(straightResult.AverageValidationAccuracy);
        Assert.Equal(straightResult.AverageValidationAccuracy, resumedResult.AverageValidationAccuracy);
        Assert.Equal(straightResult.KeptAverage, resumedResult.KeptAverage);
        Assert.Equal(straight.PredictProbabilities(validation.Pixels, validation.Count), resumed.PredictProbabilities(validation.Pixels, validation.Count));
        Assert.True(File.Exists(Path.Combine(checkpoints, "best.fermodel")));
        Assert.Single(Directory.GetFiles(checkpoints, "epoch-*.average.fermodel"));
        Assert.Equal(2, Directory.GetFiles(checkpoints, "epoch-*.fermodel").Length); // the last epoch and its average
    }

    [Fact]
    public void Weight_averaging_keeps_the_mean_of_the_averaged_epochs_and_the_better_of_average_and_best_epoch()
    {
        var training = RealFaces.First(Fer2013Split.Training, 96);
        var validation = RealFaces.First(Fer2013Split.PublicTest, 64);
        var checkpoints = Path.Combine(_directory.FullName, "swa");
        var options = Quick(3) with { Augmentation = new AugmentationOptions(), AverageWeightsFromEpoch = 2, CheckpointDirectory = checkpoints };
        using var model = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 4);
        var epochWeights = new List<IReadOnlyDictionary<string, WeightArray>>();
        var progress = new SynchronousProgress(p =>
        {
            if (p.CompletedEpoch?.Epoch >= 2)
            {
                epochWeights.Add(model.Weights());
            }
        });

        var result = new Trainer().Train(model, training, validation, options, progress);

        using var average = ExpressionModel.Load(Path.Combine(checkpoints, "epoch-003.average.fermodel"));
        var averaged = average.Weights();
        var parameterNames = average.Network.named_parameters().Select(p => p.name.TrimStart('_')).ToList();
        Assert.NotEmpty(parameterNames);
        foreach (var name in parameterNames)
        {
            var expected = epochWeights[0][name].Values.Zip(epochWeights[1][name].Values, (a, b) => (a + b) / 2).ToArray();
            Assert.Equal(expected, averaged[name].Values, (a, b) => Math.Abs(a - b) <= 1e-6f * (1 + Math.Abs(a)));
        }

        Assert.Equal(2, result.AveragedEpochs);
        Assert.NotNull(result.AverageValidationAccuracy);
        Assert.Equal(result.AverageValidationAccuracy > result.BestValidationAccuracy, result.KeptAverage);
        var kept = result.KeptAverage ? result.AverageValidationAccuracy!.Value : result.BestValidationAccuracy;
        Assert.Equal(kept, Evaluator.Evaluate(model, validation).Accuracy, 6);
        Assert.Equal(kept, model.Manifest.Metrics["PublicTest.accuracy"], 6);
    }

    [Fact]
    public void Recomputed_BatchNorm_statistics_are_an_equal_weight_mean_over_the_batches()
    {
        // Two batches of 32 must give the same running means as one batch of 64: an exponential moving average
        // (libtorch's default momentum 0.1) would not.
        var faces = RealFaces.First(Fer2013Split.Training, 64);
        using var model = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 6);

        float[] FirstRunningMean(int batchSize)
        {
            Trainer.RecomputeBatchNormStatistics(model.Network, model.Manifest, faces, batchSize);
            return model.Network.modules().OfType<TorchSharp.Modules.BatchNorm2d>().First().running_mean!.data<float>().ToArray();
        }

        var oneBatch = FirstRunningMean(64);
        var twoBatches = FirstRunningMean(32);
        Assert.Contains(oneBatch, m => Math.Abs(m) > 1e-3);
        Assert.Equal(oneBatch, twoBatches, (a, b) => Math.Abs(a - b) <= 1e-5f * (1 + Math.Abs(a)));
        Assert.All(model.Network.modules().OfType<TorchSharp.Modules.BatchNorm2d>(), norm => Assert.Equal(0.1, norm.momentum));
    }

    [Theory]
    [InlineData(false, false, false)]
    [InlineData(true, false, false)]
    [InlineData(true, true, false)]
    [InlineData(true, false, true)]
    public void Live_tensors_do_not_grow_with_the_number_of_steps(bool distil, bool teacherFlip, bool mixup)
    {
        var training = RealFaces.First(Fer2013Split.Training, 64);
        var validation = RealFaces.First(Fer2013Split.PublicTest, 32);
        using var model = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 1);
        using var teacher = ExpressionModel.Create(ModelArchitecture.Seed, seed: 2);
        var trainer = new Trainer();
        var options = Quick(1) with
        {
            BatchSize = 16, Augmentation = new AugmentationOptions(), Teachers = distil ? [teacher] : [], TeacherFlipAveraging = teacherFlip,
            MixupAlpha = mixup ? 0.4 : 0,
        };

        trainer.Train(model, training, validation, options);
        var afterFourSteps = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        trainer.Train(model, training, validation, options with { Epochs = 4 });
        var afterSixteenSteps = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 2000; i++)
        {
            model.PredictProbabilities(validation.Image(i % validation.Count), 1);
        }

        Assert.Equal(afterFourSteps, afterSixteenSteps);
        Assert.Equal(afterFourSteps, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Distillation_teaches_the_teachers_predictions_even_against_the_labels()
    {
        // Every face is labelled Neutral, but the whole loss is the teacher's: the student must learn what the teacher
        // predicts. Validation scores agreement with the teacher, so the epoch kept is the one that agrees most.
        var faces = RealFaces.First(Fer2013Split.Training, 128);
        using var teacher = ExpressionModel.LoadDefault();
        var taught = PredictedClasses.Of(teacher, faces);
        var allNeutral = new FaceDataset(faces.Pixels.ToArray(), Enumerable.Repeat(Expression.Neutral, faces.Count).ToArray());
        var teacherSays = new FaceDataset(faces.Pixels.ToArray(), taught);
        using var student = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 3);
        var before = Agreement(student, taught, faces);

        new Trainer().Train(student, allNeutral, teacherSays, Quick(10) with
        {
            BatchSize = 16, Optimizer = OptimizerKind.AdamW, LearningRate = 1e-3, WeightDecay = 0, Teachers = [teacher], DistillationWeight = 1,
        });

        var after = Agreement(student, taught, faces);
        var teacherNeutralShare = taught.Count(e => e == Expression.Neutral) / (double)faces.Count;
        Assert.True(after > teacherNeutralShare + 0.2 && after > before + 0.2,
            $"the student agrees with the teacher on {after:P1} of the faces (before training {before:P1}; the teacher says Neutral for {teacherNeutralShare:P1})");
    }

    [Fact]
    public void Flip_averaged_teacher_targets_are_the_mean_over_each_face_and_its_mirror_image()
    {
        var faces = RealFaces.First(Fer2013Split.Training, 32);
        using var teacher = ExpressionModel.LoadDefault();
        using var scope = torch.NewDisposeScope();
        var unit = FaceTensors.Unit(faces.Pixels, faces.Count);

        var asSeen = EnsemblePrediction.MeanProbabilities([teacher], unit, temperature: 2, flipAveraging: false);
        var mirrored = EnsemblePrediction.MeanProbabilities([teacher], unit.flip(3), temperature: 2, flipAveraging: false);
        var averaged = EnsemblePrediction.MeanProbabilities([teacher], unit, temperature: 2, flipAveraging: true);

        Assert.Equal([faces.Count, Expressions.Count], averaged.shape);
        Assert.True(averaged.allclose(asSeen.add(mirrored).div(2), rtol: 0, atol: 1e-5));
        Assert.True(averaged.sum(1).allclose(torch.ones(faces.Count), rtol: 0, atol: 1e-5));
        // The mirror image changes the teacher's mind noticeably on some faces, so the option is not a no-op.
        Assert.True(averaged.sub(asSeen).abs().max().item<float>() > 0.01);
    }

    [Theory]
    [InlineData(0.2)]
    [InlineData(1.0)]
    [InlineData(2.5)]
    public void Mixup_ratios_follow_a_symmetric_Beta_distribution(double alpha)
    {
        var random = new Random(3);
        var draws = Enumerable.Range(0, 20_000).Select(_ => Mixup.SampleBeta(random, alpha)).ToArray();

        var mean = draws.Average();
        var variance = draws.Select(d => (d - mean) * (d - mean)).Average();
        Assert.All(draws, d => Assert.InRange(d, 0, 1));
        Assert.InRange(mean, 0.49, 0.51);
        var expectedVariance = 1 / (4 * ((2 * alpha) + 1)); // Beta(α, α): 1 / (4 (2α + 1))
        Assert.InRange(variance, expectedVariance * 0.95, expectedVariance * 1.05);
    }

    [Fact]
    public void Mixup_blends_each_face_with_its_partner_at_the_drawn_ratio()
    {
        var faces = RealFaces.First(Fer2013Split.Training, 16);
        using var scope = torch.NewDisposeScope();
        var unit = FaceTensors.Unit(faces.Pixels, faces.Count);
        using var generator = new torch.Generator(7);

        var batch = Mixup.Blend(unit, alpha: 0.4, new Random(1), generator);

        var partners = batch.Partners.data<long>().ToArray();
        Assert.Equal(Enumerable.Range(0, faces.Count).Select(i => (long)i), partners.Order());
        Assert.Contains(partners.Select((p, i) => (p, i)), pair => pair.p != pair.i);
        Assert.InRange(batch.Ratio, 0, 1);
        for (var i = 0; i < faces.Count; i++)
        {
            var expected = unit[i].mul(batch.Ratio).add(unit[partners[i]].mul(1 - batch.Ratio));
            Assert.True(batch.Faces[i].allclose(expected, rtol: 0, atol: 1e-6), $"face {i} is not its blend with face {partners[i]}");
        }
    }

    [Fact]
    public void Invalid_options_and_empty_sets_are_rejected_before_training()
    {
        using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 1);
        var faces = new FaceDataset(new byte[FaceImage.PixelCount], [Expression.Happy]);
        var trainer = new Trainer();
        Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Train(model, faces, faces, new TrainingOptions { Epochs = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Train(model, faces, faces, new TrainingOptions { LabelSmoothing = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Train(model, faces, faces, new TrainingOptions { Epochs = 3, AverageWeightsFromEpoch = 4 }));
        Assert.Throws<ArgumentException>(() => trainer.Train(model, faces, faces, new TrainingOptions { Augmentation = new AugmentationOptions { MaxShift = 2 } }));
        Assert.Throws<ArgumentException>(() => trainer.Train(model, FaceDataset.Empty, faces, new TrainingOptions()));
        Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Train(model, faces, faces, new TrainingOptions { DistillationWeight = 1.5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Train(model, faces, faces, new TrainingOptions { DistillationTemperature = 0 }));
        Assert.Throws<ArgumentException>(() => trainer.Train(model, faces, faces, new TrainingOptions { Teachers = [model] }));
        Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Train(model, faces, faces, new TrainingOptions { MixupAlpha = -0.2 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Train(model, faces, faces, new TrainingOptions { MixupAlpha = double.NaN }));
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

    private static double Agreement(ExpressionModel model, Expression[] taught, FaceDataset faces) =>
        PredictedClasses.Of(model, faces).Zip(taught).Count(pair => pair.First == pair.Second) / (double)faces.Count;

    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
