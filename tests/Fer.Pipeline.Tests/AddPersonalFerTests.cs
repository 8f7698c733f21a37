using Microsoft.Extensions.DependencyInjection;
using OpenCvSharp;
using PersonalFer.Detection;
using PersonalFer.Tests;

namespace PersonalFer.Pipeline.Tests;

public sealed class AddPersonalFerTests
{
    [Fact]
    public void Registration_is_idempotent_and_resolves_a_working_detector()
    {
        var services = new ServiceCollection().AddPersonalFer().AddPersonalFer();
        foreach (var type in new[] { typeof(IFaceDetector), typeof(PersonalFer.Model.ExpressionModel), typeof(ExpressionPipeline), typeof(Personalizer) })
        {
            Assert.Single(services, d => d.ServiceType == type);
        }

        using var provider = services.BuildServiceProvider();
        var detector = provider.GetRequiredService<IFaceDetector>();
        Assert.IsType<YuNetFaceDetector>(detector);
        Assert.Same(detector, provider.GetRequiredService<IFaceDetector>());
        using var frame = Cv2.ImRead(SharedFiles.Require("media/astronaut.png"));
        Assert.Single(detector.Detect(frame));
    }

    [Fact]
    public void The_pipeline_and_personalizer_resolve_from_a_model_file_and_a_missing_path_is_explained()
    {
        var path = Path.Combine(Path.GetTempPath(), $"fer-di-{Guid.NewGuid():N}.fermodel");
        using (var model = PersonalFer.Model.ExpressionModel.Create(PersonalFer.Model.ModelArchitecture.Seed, seed: 1))
        {
            model.Save(path);
        }

        try
        {
            using var provider = new ServiceCollection().AddPersonalFer(o => o.ModelPath = path).BuildServiceProvider();
            var pipeline = provider.GetRequiredService<ExpressionPipeline>();
            Assert.NotNull(provider.GetRequiredService<Personalizer>());
            using var frame = Cv2.ImRead(SharedFiles.Require("media/astronaut.png"));
            Assert.Single(pipeline.Classify(frame));

            using var unconfigured = new ServiceCollection().AddPersonalFer().BuildServiceProvider();
            var error = Assert.Throws<InvalidOperationException>(() => unconfigured.GetRequiredService<ExpressionPipeline>());
            Assert.Contains("ModelPath is not set", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Null_services_are_rejected()
    {
        Assert.Throws<ArgumentNullException>(() => PersonalFerServiceCollectionExtensions.AddPersonalFer(null!));
    }
}
