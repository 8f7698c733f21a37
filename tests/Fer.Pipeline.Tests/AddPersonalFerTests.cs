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
        Assert.Single(services, d => d.ServiceType == typeof(IFaceDetector));

        using var provider = services.BuildServiceProvider();
        var detector = provider.GetRequiredService<IFaceDetector>();
        Assert.IsType<YuNetFaceDetector>(detector);
        Assert.Same(detector, provider.GetRequiredService<IFaceDetector>());
        using var frame = Cv2.ImRead(SharedFiles.Require("media/astronaut.png"));
        Assert.Single(detector.Detect(frame));
    }

    [Fact]
    public void Null_services_are_rejected()
    {
        Assert.Throws<ArgumentNullException>(() => PersonalFerServiceCollectionExtensions.AddPersonalFer(null!));
    }
}
