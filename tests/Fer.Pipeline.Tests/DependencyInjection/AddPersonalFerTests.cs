using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
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
        using var frame = TestPhotos.Astronaut();
        Assert.Single(detector.Detect(frame));
    }

    [Fact]
    public void OpenCV_threads_change_only_when_asked_and_the_change_is_logged()
    {
        using var frame = TestPhotos.Astronaut();
        var before = Cv2.GetNumThreads();
        var asked = before == 1 ? 2 : 1;
        try
        {
            using (var untouched = new ServiceCollection().AddPersonalFer().BuildServiceProvider())
            {
                Assert.Single(untouched.GetRequiredService<IFaceDetector>().Detect(frame));
                Assert.Equal(before, Cv2.GetNumThreads());
            }

            using var provider = new ServiceCollection()
                .AddLogging(logging => logging.AddFakeLogging())
                .AddPersonalFer(o => o.OpenCvThreads = asked)
                .BuildServiceProvider();

            Assert.Single(provider.GetRequiredService<IFaceDetector>().Detect(frame));
            Assert.Equal(asked, Cv2.GetNumThreads());
            Assert.Single(provider.GetRequiredService<ExpressionPipeline>().Classify(frame));
            var record = Assert.Single(provider.GetFakeLogCollector().GetSnapshot(), r => r.Id.Id == 4009);
            Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Information, record.Level);
            Assert.Contains($"from {before} to {asked}", record.Message, StringComparison.Ordinal);

            // A detector the host registered itself runs on OpenCV too: the pipeline applies the setting before it.
            Cv2.SetNumThreads(before);
            using var withOwnDetector = new ServiceCollection()
                .AddSingleton<IFaceDetector>(_ => new HaarFaceDetector())
                .AddPersonalFer(o => o.OpenCvThreads = asked)
                .BuildServiceProvider();
            Assert.NotEmpty(withOwnDetector.GetRequiredService<ExpressionPipeline>().Classify(frame));
            Assert.Equal(asked, Cv2.GetNumThreads());
        }
        finally
        {
            Cv2.SetNumThreads(before);
        }
    }

    [Fact]
    public void With_no_configuration_the_shipped_model_classifies_a_real_smile()
    {
        using var provider = new ServiceCollection().AddPersonalFer().BuildServiceProvider();
        var model = provider.GetRequiredService<PersonalFer.Model.ExpressionModel>();
        using var frame = TestPhotos.Astronaut();

        var face = provider.GetRequiredService<ExpressionPipeline>().Classify(frame).Single();

        Assert.Equal(PersonalFer.Data.Expression.Happy, face.Expression);
        Assert.NotNull(model.GeneralReplay);
        Assert.NotNull(provider.GetRequiredService<Personalizer>());
    }

    [Fact]
    public void A_model_file_replaces_the_shipped_model_and_a_missing_one_is_a_clear_error()
    {
        var path = Path.Combine(Path.GetTempPath(), $"fer-di-{Guid.NewGuid():N}.fermodel");
        using (var model = PersonalFer.Model.ExpressionModel.Create(PersonalFer.Model.ModelArchitecture.Seed, seed: 1))
        {
            model.Save(path);
        }

        try
        {
            using var provider = new ServiceCollection().AddPersonalFer(o => o.ModelPath = path).BuildServiceProvider();
            Assert.Equal(PersonalFer.Model.ModelArchitecture.Seed, provider.GetRequiredService<PersonalFer.Model.ExpressionModel>().Architecture);
            using var frame = TestPhotos.Astronaut();
            Assert.Single(provider.GetRequiredService<ExpressionPipeline>().Classify(frame));

            using var missing = new ServiceCollection().AddPersonalFer(o => o.ModelPath = path + ".absent").BuildServiceProvider();
            var error = Assert.Throws<FileNotFoundException>(() => missing.GetRequiredService<ExpressionPipeline>());
            Assert.Equal(path + ".absent", error.FileName);
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
