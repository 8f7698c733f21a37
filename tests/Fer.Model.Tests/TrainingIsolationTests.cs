using PersonalFer.Tests;
using static TorchSharp.torch;

namespace PersonalFer.Model.Tests;

/// <summary>
/// Training touches no process-wide state it does not put back: two seeded runs at once give the weights of one
/// alone, libtorch's global generator is never re-seeded, its thread count is restored, and options that are not
/// numbers are refused before anything runs.
/// </summary>
public sealed class TrainingIsolationTests
{
    private static readonly TrainingOptions Options = new()
    {
        Epochs = 1,
        BatchSize = 32,
        LearningRate = 0.05,
        Schedule = LearningRateSchedule.Constant,
        Seed = 7,
        Threads = 1,
    };

    [Fact]
    public void Two_seeded_runs_at_once_give_the_weights_of_one_alone()
    {
        var training = TestFaces.Make(96);
        var validation = TestFaces.Make(32, seed: 1);
        float[] Run()
        {
            using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 5);
            // The thread count is process-wide, so concurrent runs leave it alone.
            new Trainer().Train(model, training, validation, Options with { Threads = 0 });
            return model.PredictProbabilities(validation.Pixels, validation.Count);
        }

        var alone = Run();
        var together = new float[2][];
        Parallel.For(0, 2, i => together[i] = Run());

        Assert.Equal(alone, together[0]);
        Assert.Equal(alone, together[1]);
    }

    [Fact]
    public void Training_never_reseeds_the_global_generator_and_restores_the_thread_count()
    {
        var training = TestFaces.Make(64);
        var threads = get_num_threads();
        float[] DrawnAfterTraining(int globalSeed)
        {
            using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 5);
            manual_seed(globalSeed);
            new Trainer().Train(model, training, training, Options);
            using var drawn = rand(8);
            return drawn.data<float>().ToArray();
        }

        Assert.NotEqual(DrawnAfterTraining(1), DrawnAfterTraining(2));
        Assert.Equal(threads, get_num_threads());
    }

    public static TheoryData<TrainingOptions> NotNumbers => [
        Options with { LearningRate = double.NaN },
        Options with { LearningRate = double.PositiveInfinity },
        Options with { WeightDecay = double.NaN },
        Options with { Momentum = 0 },
        Options with { LabelSmoothing = double.NaN },
        Options with { Augmentation = new AugmentationOptions { MaxShift = double.NaN } },
        Options with { Augmentation = new AugmentationOptions { ErasingProbability = double.PositiveInfinity } },
        Options with { Optimizer = (OptimizerKind)9 },
    ];

    [Theory]
    [MemberData(nameof(NotNumbers))]
    public void Options_out_of_range_are_refused_before_training(TrainingOptions options)
    {
        var faces = TestFaces.Make(8);
        using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 5);
        var before = model.Fingerprint();

        Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer().Train(model, faces, faces, options));
        Assert.Equal(before, model.Fingerprint());
    }
}
