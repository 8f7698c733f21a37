using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using OpenCvSharp;
using PersonalFer.Detection;
using PersonalFer.Model;
using PersonalFer.Tests;

namespace PersonalFer.Pipeline.Tests;

/// <summary>
/// A container as a host builds it — logging at every level into a <see cref="FakeLogCollector"/>, an
/// <c>IMeterFactory</c> — with PersonalFer on the shipped model, the detector at 320 px and one face per frame.
/// </summary>
public sealed class InstrumentedHost : IDisposable
{
    public const int DetectionSide = 320;

    public InstrumentedHost()
    {
        Provider = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Trace).AddFakeLogging())
            .AddMetrics()
            .AddPersonalFer(o =>
            {
                o.Detector = new YuNetOptions { MaxDetectionSide = DetectionSide };
                o.Pipeline = new ExpressionPipelineOptions { MaxFaces = 1 };
            })
            .BuildServiceProvider();
    }

    public ServiceProvider Provider { get; }

    public FakeLogCollector Logs => Provider.GetFakeLogCollector();

    public ExpressionPipeline Pipeline => Provider.GetRequiredService<ExpressionPipeline>();

    public Personalizer Personalizer => Provider.GetRequiredService<Personalizer>();

    public ExpressionModel Model => Provider.GetRequiredService<ExpressionModel>();

    /// <summary>A whole frame with no face in it.</summary>
    public static Mat Blank() => new(240, 320, MatType.CV_8UC3, TestPhotos.Backdrop);

    /// <summary>The records of one event id so far.</summary>
    public IReadOnlyList<FakeLogRecord> Events(int id) => [.. Logs.GetSnapshot().Where(r => r.Id.Id == id)];

    public void Dispose() => Provider.Dispose();
}
