using System.Collections.Concurrent;
using PersonalFer.Data;
using PersonalFer.Detection;
using PersonalFer.Model;
using PersonalFer.Tests;
using static TorchSharp.torch;

namespace PersonalFer.Pipeline.Tests;

/// <summary>
/// One model shared by several pipelines, personalizers and threads gives exactly the results of sequential calls;
/// seeded fine-tunes are reproducible whatever runs beside them and leave libtorch's global generator alone; a model
/// disposed under load fails calls cleanly.
/// </summary>
public sealed class ConcurrencyTests : IDisposable
{
    private const int Threads = 8;
    private readonly YuNetFaceDetector _detector = new();
    private readonly ExpressionModel _model = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 6);
    private readonly ImageData[] _frames = [.. Enumerable.Range(0, TestPhotos.VariantCount).Select(i =>
    {
        using var frame = TestPhotos.Variant(i);
        return TestPhotos.ToImageData(frame);
    })];

    private readonly PersonalizationOptions _options = new() { Head = new HeadTrainingOptions { Steps = 20, Seed = 11 } };

    public void Dispose()
    {
        _detector.Dispose();
        _model.Dispose();
    }

    [Fact]
    public void Two_pipelines_over_one_model_on_eight_threads_give_the_sequential_results_exactly()
    {
        var first = new ExpressionPipeline(_detector, _model);
        var second = new ExpressionPipeline(_detector, _model);
        var expected = _frames.Select(f => Probabilities(first, f)).ToArray();

        var results = RunOnThreads(i => Probabilities(i % 2 == 0 ? first : second, _frames[i % _frames.Length]), Threads * 5);

        for (var i = 0; i < results.Length; i++)
        {
            Assert.Equal(expected[i % _frames.Length], results[i]);
        }
    }

    [Fact]
    public async Task Fine_tuning_while_eight_threads_classify_changes_neither_the_classifications_nor_the_profile()
    {
        var pipeline = new ExpressionPipeline(_detector, _model);
        var personalizer = new Personalizer(_detector, _model, generalFaces: null);
        var expected = _frames.Select(f => Probabilities(pipeline, f)).ToArray();
        using var alone = personalizer.FineTune(Samples(), "alone", _options).Profile;

        var classifying = Task.Run(() => RunOnThreads(i => Probabilities(pipeline, _frames[i % _frames.Length]), Threads * 5), TestContext.Current.CancellationToken);
        using var underLoad = personalizer.FineTune(Samples(), "under load", _options).Profile;
        var results = await classifying;

        for (var i = 0; i < results.Length; i++)
        {
            Assert.Equal(expected[i % _frames.Length], results[i]);
        }

        Assert.Equal(HeadProbabilities(alone), HeadProbabilities(underLoad));
    }

    [Fact]
    public void Two_seeded_fine_tunes_at_once_give_the_profile_of_one_alone_and_never_reseed_the_global_generator()
    {
        var personalizer = new Personalizer(_detector, _model, generalFaces: null);
        using var alone = personalizer.FineTune(Samples(), "alone", _options).Profile;

        // Re-seeding inside FineTune would make what follows each call the same whatever the seed before it.
        float[] DrawnAfterFineTune(int globalSeed)
        {
            manual_seed(globalSeed);
            personalizer.FineTune(Samples(), "seeded", _options).Profile.Dispose();
            using var drawn = rand(8);
            return drawn.data<float>().ToArray();
        }

        Assert.NotEqual(DrawnAfterFineTune(1), DrawnAfterFineTune(2));

        var profiles = RunOnThreads(_ => personalizer.FineTune(Samples(), "twin", _options).Profile, 2);
        try
        {
            Assert.All(profiles, p => Assert.Equal(HeadProbabilities(alone), HeadProbabilities(p)));
        }
        finally
        {
            Array.ForEach(profiles, p => p.Dispose());
        }
    }

    [Fact]
    public async Task A_model_disposed_while_threads_classify_fails_their_calls_cleanly()
    {
        using var model = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 6);
        var pipeline = new ExpressionPipeline(_detector, model);
        var outcomes = new ConcurrentBag<string>();
        var classifying = Enumerable.Range(0, Threads).Select(t => Task.Factory.StartNew(() =>
        {
            for (var i = 0; i < 20; i++)
            {
                try
                {
                    _ = pipeline.Classify(_frames[(t + i) % _frames.Length]);
                    outcomes.Add("result");
                }
                catch (ObjectDisposedException e)
                {
                    outcomes.Add(e.ObjectName);
                }
            }
        }, TestContext.Current.CancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        await Task.Delay(200, TestContext.Current.CancellationToken);
        model.Dispose();
        await Task.WhenAll(classifying);

        Assert.Equal(Threads * 20, outcomes.Count);
        Assert.All(outcomes.Where(o => o != "result"), name => Assert.Equal(typeof(ExpressionModel).FullName, name));
        Assert.Equal(typeof(ExpressionModel).FullName, Assert.Throws<ObjectDisposedException>(() => pipeline.Classify(_frames[0])).ObjectName);
    }

    private static float[] Probabilities(ExpressionPipeline pipeline, ImageData frame) =>
        [.. pipeline.Classify(frame).SelectMany(f => f.Probabilities)];

    /// <summary>What a profile's head says about every sample face: equal heads say exactly the same.</summary>
    private float[] HeadProbabilities(PersonalProfile profile)
    {
        var faces = TestFaces.Make(64, seed: 3);
        return _model.PredictProbabilities(faces.Pixels, faces.Count, profile.Head);
    }

    private List<LabelledImage> Samples() =>
        [.. _frames.Select((frame, i) => new LabelledImage(frame, (Expression)(i % Expressions.Count), $"variant-{i}"))];

    private static T[] RunOnThreads<T>(Func<int, T> work, int count)
    {
        var results = new T[count];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Threads }, i => results[i] = work(i));
        return results;
    }
}
