using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using OpenCvSharp;
using PersonalFer.Detection;
using PersonalFer.Model;
using PersonalFer.Tests;

namespace PersonalFer.Pipeline.Tests;

/// <summary>
/// The <c>PersonalFer</c> meter's instruments, read with <see cref="MetricCollector{T}"/> on the container's
/// <see cref="IMeterFactory"/>, and the activities, read with an <see cref="ActivityListener"/>.
/// </summary>
public sealed class MetricsTests(InstrumentedHost host) : IClassFixture<InstrumentedHost>, IDisposable
{
    private readonly List<Activity> _activities = [];
    private ActivityListener? _listener;

    public void Dispose() => _listener?.Dispose();

    [Fact]
    public void Classify_records_its_duration_and_the_faces_it_returned_once_per_call_in_an_activity()
    {
        var meters = host.Provider.GetRequiredService<IMeterFactory>();
        using var durations = new MetricCollector<double>(meters, PersonalFerDiagnostics.MeterName, PersonalFerDiagnostics.ClassifyDuration);
        using var faces = new MetricCollector<int>(meters, PersonalFerDiagnostics.MeterName, PersonalFerDiagnostics.FacesPerFrame);
        Listen();
        using var one = TestPhotos.Astronaut();
        using var none = InstrumentedHost.Blank();
        using var two = TestPhotos.TwoFaces(); // one classified: the host allows one face per frame

        var returned = new[] { one, none, two }.Select(frame => host.Pipeline.Classify(frame).Count).ToArray();

        Assert.Equal([1, 0, 1], returned);
        Assert.Equal("s", durations.Instrument!.Unit);
        Assert.Equal(3, durations.GetMeasurementSnapshot().Count);
        Assert.All(durations.GetMeasurementSnapshot(), m => Assert.InRange(m.Value, 1e-6, 60));
        Assert.All(durations.GetMeasurementSnapshot(), m => Assert.Equal(false, m.Tags["personalfer.personalized"]));
        Assert.Equal(returned, faces.GetMeasurementSnapshot().Select(m => m.Value));
        var activities = _activities.Where(a => a.OperationName == PersonalFerDiagnostics.ClassifyActivity).ToList();
        Assert.Equal(returned, activities.Select(a => (int)a.GetTagItem("personalfer.faces")!));
        Assert.All(activities, a => Assert.Equal(ActivityStatusCode.Unset, a.Status));
    }

    [Fact]
    public void A_failed_Classify_is_measured_with_its_error_type_and_marks_its_activity()
    {
        using var durations = new MetricCollector<double>(host.Provider.GetRequiredService<IMeterFactory>(), PersonalFerDiagnostics.MeterName, PersonalFerDiagnostics.ClassifyDuration);
        Listen();
        using var empty = new Mat();

        Assert.Throws<ArgumentException>(() => host.Pipeline.Classify(empty));

        Assert.Equal(typeof(ArgumentException).FullName, Assert.Single(durations.GetMeasurementSnapshot()).Tags["error.type"]);
        Assert.Equal(ActivityStatusCode.Error, Assert.Single(_activities).Status);
    }

    [Fact]
    public void FineTune_records_its_duration_in_an_activity_that_counts_samples_and_faces()
    {
        using var durations = new MetricCollector<double>(host.Provider.GetRequiredService<IMeterFactory>(), PersonalFerDiagnostics.MeterName, PersonalFerDiagnostics.FineTuneDuration);
        Listen();

        var result = host.Personalizer.FineTune(ValidProfile.FaceCrops(14), "someone", new PersonalizationOptions { Head = new HeadTrainingOptions { Steps = 5 } });
        result.Profile.Dispose();

        Assert.Equal("s", durations.Instrument!.Unit);
        var measured = Assert.Single(durations.GetMeasurementSnapshot());
        Assert.InRange(measured.Value, 1e-6, 600);
        Assert.Empty(measured.Tags); // counts vary per call: they go on the activity, not into metric series
        var activity = Assert.Single(_activities, a => a.OperationName == PersonalFerDiagnostics.FineTuneActivity);
        Assert.Equal(14, activity.GetTagItem("personalfer.samples"));
        Assert.Equal(result.FacesUsed, activity.GetTagItem("personalfer.faces"));
        Assert.Equal(0, activity.GetTagItem("personalfer.samples_without_face"));
        Assert.DoesNotContain(activity.TagObjects, tag => Equals(tag.Value, "someone"));
    }

    [Fact]
    public void Without_a_container_the_instruments_live_on_a_process_wide_meter()
    {
        using var process = new MetricCollector<int>((object?)null, PersonalFerDiagnostics.MeterName, PersonalFerDiagnostics.FacesPerFrame);
        using var container = new MetricCollector<int>(host.Provider.GetRequiredService<IMeterFactory>(), PersonalFerDiagnostics.MeterName, PersonalFerDiagnostics.FacesPerFrame);
        using var detector = new YuNetFaceDetector();
        var pipeline = new ExpressionPipeline(detector, host.Model);
        using var frame = TestPhotos.TwoFaces();

        var count = pipeline.Classify(frame).Count;

        Assert.Equal(2, count);
        Assert.Equal(2, Assert.Single(process.GetMeasurementSnapshot()).Value);
        Assert.Empty(container.GetMeasurementSnapshot());
    }

    private void Listen()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == PersonalFerDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _activities.Add,
        };
        ActivitySource.AddActivityListener(_listener);
    }
}
