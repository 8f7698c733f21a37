using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PersonalFer;

/// <summary>
/// The instruments of the <see cref="PersonalFerDiagnostics.MeterName"/> meter and the activity source. Within a
/// container the meter comes from the host's <see cref="IMeterFactory"/> (so the host's metric pipeline and tests see
/// exactly that container's measurements); without one, from a process-wide meter.
/// </summary>
internal sealed class PersonalFerTelemetry
{
    private static readonly string? Version = typeof(PersonalFerTelemetry).Assembly.GetName().Version?.ToString();

    // Activities have no factory in .NET: one source per process is the convention.
    public static readonly ActivitySource ActivitySource = new(PersonalFerDiagnostics.ActivitySourceName, Version);

    private PersonalFerTelemetry(Meter meter)
    {
        ClassifyDuration = meter.CreateHistogram<double>(PersonalFerDiagnostics.ClassifyDuration, "s", "Time of one Classify call: detection, cropping and classification of every face in the frame.");
        FacesPerFrame = meter.CreateHistogram<int>(PersonalFerDiagnostics.FacesPerFrame, "{face}", "Faces classified per Classify call.");
        FineTuneDuration = meter.CreateHistogram<double>(PersonalFerDiagnostics.FineTuneDuration, "s", "Time of one FineTune call, from the samples to the trained profile.");
    }

    /// <summary>Instruments on a process-wide meter, for pipelines and personalizers built without a container.</summary>
    public static PersonalFerTelemetry Shared { get; } = new(new Meter(PersonalFerDiagnostics.MeterName, Version));

    public Histogram<double> ClassifyDuration { get; }

    public Histogram<int> FacesPerFrame { get; }

    public Histogram<double> FineTuneDuration { get; }

    /// <summary>Instruments on <paramref name="meterFactory"/>'s meter (which it owns and disposes), else <see cref="Shared"/>.</summary>
    public static PersonalFerTelemetry For(IMeterFactory? meterFactory) =>
        meterFactory is null ? Shared : new(meterFactory.Create(new MeterOptions(PersonalFerDiagnostics.MeterName) { Version = Version }));

    /// <summary>
    /// Runs <paramref name="operation"/> inside an activity named <paramref name="activityName"/> and records its
    /// duration, successful or not (a failure is tagged <c>error.type</c>, as OpenTelemetry's conventions do).
    /// <paramref name="tags"/> go on both, so they must take few values (a metric keeps a series per combination).
    /// </summary>
    public static T Measure<T>(string activityName, Histogram<double> duration, TagList tags, Func<Activity?, T> operation)
    {
        using var activity = ActivitySource.StartActivity(activityName);
        foreach (var tag in tags)
        {
            activity?.SetTag(tag.Key, tag.Value);
        }

        var start = Stopwatch.GetTimestamp();
        try
        {
            var result = operation(activity);
            duration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds, tags);
            return result;
        }
        catch (Exception e)
        {
            var errorType = e.GetType().FullName;
            tags.Add("error.type", errorType);
            duration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds, tags);
            activity?.SetTag("error.type", errorType);
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw;
        }
    }
}
