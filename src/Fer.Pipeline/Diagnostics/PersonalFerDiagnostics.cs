namespace PersonalFer;

/// <summary>
/// The names under which PersonalFer publishes metrics and traces, for a host to subscribe to (for example
/// OpenTelemetry's <c>AddMeter(PersonalFerDiagnostics.MeterName)</c> and <c>AddSource(PersonalFerDiagnostics.ActivitySourceName)</c>).
/// </summary>
public static class PersonalFerDiagnostics
{
    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> of every PersonalFer instrument.</summary>
    public const string MeterName = "PersonalFer";

    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> of <c>Classify</c> and <c>FineTune</c> activities.</summary>
    public const string ActivitySourceName = "PersonalFer";

    /// <summary>Histogram, seconds: one measurement per <see cref="ExpressionPipeline.Classify(OpenCvSharp.Mat, PersonalProfile?)"/> call.</summary>
    public const string ClassifyDuration = "personalfer.classify.duration";

    /// <summary>Histogram, faces: how many faces each <c>Classify</c> call returned.</summary>
    public const string FacesPerFrame = "personalfer.classify.faces";

    /// <summary>Histogram, seconds: one measurement per <see cref="Personalizer.FineTune(IReadOnlyList{Data.LabelledImage}, string, PersonalizationOptions?, IProgress{PersonalizationProgress}?, CancellationToken)"/> call.</summary>
    public const string FineTuneDuration = "personalfer.finetune.duration";

    /// <summary>The name of the activity around each <c>Classify</c> call.</summary>
    public const string ClassifyActivity = "PersonalFer.Classify";

    /// <summary>The name of the activity around each <c>FineTune</c> call.</summary>
    public const string FineTuneActivity = "PersonalFer.FineTune";
}
