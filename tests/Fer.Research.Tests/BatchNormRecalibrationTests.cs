using PersonalFer.Data;
using PersonalFer.Model;
using PersonalFer.Tests;
using TorchSharp;
using TorchSharp.Modules;

namespace PersonalFer.Research.Tests;

public sealed class BatchNormRecalibrationTests
{
    [Fact]
    public void The_first_layer_statistics_become_those_of_the_faces_as_they_are()
    {
        var faces = TestFaces.Make(TrainingOptions.DefaultBatchSize);
        using var model = ExpressionModel.LoadDefault();

        using var recalibrated = BatchNormRecalibration.Recalibrate(model, faces);

        // One batch: the statistics are exactly the mean and (unbiased) variance of the first convolution's output over
        // the unaugmented faces; any augmentation would move them.
        using var scope = torch.NewDisposeScope();
        var convolution = recalibrated.Network.modules().OfType<Conv2d>().First();
        var norm = recalibrated.Network.modules().OfType<BatchNorm2d>().First();
        using var noGrad = torch.no_grad();
        var output = convolution.forward(FaceTensors.Normalize(FaceTensors.Unit(faces.Pixels, faces.Count), recalibrated.Manifest));
        var expectedMean = output.mean([0, 2, 3]).data<float>().ToArray();
        var expectedVariance = output.var([0, 2, 3], unbiased: true).data<float>().ToArray();
        Assert.Equal(expectedMean, norm.running_mean!.data<float>().ToArray(), (a, b) => Math.Abs(a - b) <= 1e-4f * (1 + Math.Abs(a)));
        Assert.Equal(expectedVariance, norm.running_var!.data<float>().ToArray(), (a, b) => Math.Abs(a - b) <= 1e-4f * (1 + Math.Abs(a)));
        Assert.NotEqual(model.Weights()["features.block1.bn1.running_mean"].Values, recalibrated.Weights()["features.block1.bn1.running_mean"].Values);
    }

    [Fact]
    public void Only_the_statistics_change_and_the_model_given_is_left_alone()
    {
        var faces = TestFaces.Make(200);
        using var model = ExpressionModel.LoadDefault();
        model.Precision = InferencePrecision.Float32;
        var fingerprint = model.Fingerprint();

        using var recalibrated = BatchNormRecalibration.Recalibrate(model, faces);
        using var again = BatchNormRecalibration.Recalibrate(model, faces);

        Assert.Equal(fingerprint, model.Fingerprint());
        Assert.NotNull(model.GeneralReplay);
        Assert.Null(recalibrated.GeneralReplay); // replay features depend on the statistics
        Assert.Equal(again.Fingerprint(), recalibrated.Fingerprint()); // no random augmentation
        Assert.NotEqual(fingerprint, recalibrated.Fingerprint());
        var (before, after) = (model.Weights(), recalibrated.Weights());
        var parameters = recalibrated.Network.named_parameters().Select(p => p.name.TrimStart('_')).ToList();
        Assert.NotEmpty(parameters);
        Assert.All(parameters, name => Assert.Equal(before[name].Values, after[name].Values));
        Assert.Equal(InferencePrecision.Float32, recalibrated.Precision);
        Assert.Contains("BatchNorm statistics recomputed on 200 faces", recalibrated.Manifest.Command);
        Assert.Empty(recalibrated.Manifest.Metrics);
        Assert.All(recalibrated.Network.modules().OfType<BatchNorm2d>(), norm => Assert.Equal(0.1, norm.momentum));
    }

    [Fact]
    public void Recalibrating_over_and_over_leaves_no_live_tensors_behind()
    {
        var faces = TestFaces.Make(32);
        using var model = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 2);
        BatchNormRecalibration.Recalibrate(model, faces).Dispose();
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (var i = 0; i < 50; i++)
        {
            using var recalibrated = BatchNormRecalibration.Recalibrate(model, faces);
            recalibrated.PredictProbabilities(faces.Image(i % faces.Count), 1);
        }

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void A_network_without_BatchNorm_or_no_faces_is_a_clear_error()
    {
        using var seedCnn = ExpressionModel.Create(ModelArchitecture.Seed, seed: 1);
        using var vggBn = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 1);
        var faces = new FaceDataset(new byte[FaceImage.PixelCount], [Expression.Happy]);

        var noNorm = Assert.Throws<ArgumentException>(() => BatchNormRecalibration.Recalibrate(seedCnn, faces));
        Assert.Contains("Seed network has no BatchNorm layers", noNorm.Message);
        var empty = Assert.Throws<ArgumentException>(() => BatchNormRecalibration.Recalibrate(vggBn, FaceDataset.Empty));
        Assert.Contains("empty training set", empty.Message);
    }
}
