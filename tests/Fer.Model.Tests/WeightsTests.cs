using PersonalFer.Tests;

namespace PersonalFer.Model.Tests;

/// <summary>Weights in and out as named arrays with PyTorch names: how models travel to and from Python.</summary>
public sealed class WeightsTests
{
    [Fact]
    public void A_model_rebuilt_from_its_weights_predicts_exactly_the_same()
    {
        var faces = TestFaces.Make(16);
        using var original = ExpressionModel.LoadDefault();
        var weights = original.Weights();

        using var rebuilt = ExpressionModel.FromWeights(ModelArchitecture.VggBn, weights, "test");

        Assert.Contains("features.block1.conv1.weight", weights.Keys);
        Assert.Contains("head.fc2.bias", weights.Keys);
        Assert.Equal([32L, 1, 3, 3], weights["features.block1.conv1.weight"].Shape);
        Assert.Equal(original.Fingerprint(), rebuilt.Fingerprint());
        Assert.Equal(original.PredictProbabilities(faces.Pixels, faces.Count), rebuilt.PredictProbabilities(faces.Pixels, faces.Count));
        Assert.Equal("test", rebuilt.Manifest.Command);
    }

    [Fact]
    public void Reading_and_rebuilding_weights_a_thousand_times_leaves_no_tensor_behind()
    {
        using var model = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 1);
        ExpressionModel.FromWeights(ModelArchitecture.VggBn, model.Weights()).Dispose();
        var before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (var i = 0; i < 1000; i++)
        {
            var weights = model.Weights();
            if (i % 10 == 0)
            {
                ExpressionModel.FromWeights(ModelArchitecture.VggBn, weights).Dispose();
            }
        }

        Assert.Equal(before, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void BatchNorm_batch_counters_may_be_left_out()
    {
        var faces = TestFaces.Make(8);
        using var original = ExpressionModel.LoadDefault();
        var weights = original.Weights().Where(w => !w.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal)).ToDictionary();

        using var rebuilt = ExpressionModel.FromWeights(ModelArchitecture.VggBn, weights);

        // The counters only steer training-mode BatchNorm; inference is unchanged without them.
        Assert.Equal(original.PredictProbabilities(faces.Pixels, faces.Count), rebuilt.PredictProbabilities(faces.Pixels, faces.Count));
    }

    [Fact]
    public void A_missing_tensor_is_named()
    {
        using var seed = ExpressionModel.Create(ModelArchitecture.Seed, seed: 1);
        var weights = seed.Weights().Where(w => w.Key != "head.fc1.weight").ToDictionary();

        var error = Assert.Throws<ArgumentException>(() => ExpressionModel.FromWeights(ModelArchitecture.Seed, weights));

        Assert.Contains("'head.fc1.weight' [1024, 2048] is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tensor_of_the_wrong_shape_is_named_with_both_shapes()
    {
        using var seed = ExpressionModel.Create(ModelArchitecture.Seed, seed: 1);
        var weights = seed.Weights().ToDictionary();
        weights["features.conv1.weight"] = new WeightArray([32, 3, 3, 3], new float[32 * 27]);

        var error = Assert.Throws<ArgumentException>(() => ExpressionModel.FromWeights(ModelArchitecture.Seed, weights));

        Assert.Contains("'features.conv1.weight' is [32, 3, 3, 3]", error.Message, StringComparison.Ordinal);
        Assert.Contains("needs [32, 1, 3, 3]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_that_do_not_fill_the_shape_are_rejected()
    {
        using var seed = ExpressionModel.Create(ModelArchitecture.Seed, seed: 1);
        var weights = seed.Weights().ToDictionary();
        weights["head.fc2.bias"] = new WeightArray([7], new float[6]);

        var error = Assert.Throws<ArgumentException>(() => ExpressionModel.FromWeights(ModelArchitecture.Seed, weights));

        Assert.Contains("'head.fc2.bias' is [7] with 6 values", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Weights_of_another_architecture_are_rejected_by_name()
    {
        using var vgg = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 1);

        var error = Assert.Throws<ArgumentException>(() => ExpressionModel.FromWeights(ModelArchitecture.Seed, vgg.Weights()));

        Assert.Contains("Not a tensor of the Seed network: features.block", error.Message, StringComparison.Ordinal);
    }
}
