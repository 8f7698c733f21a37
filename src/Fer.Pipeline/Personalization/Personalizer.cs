using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PersonalFer.Data;
using PersonalFer.Detection;
using PersonalFer.Model;

namespace PersonalFer;

/// <summary>
/// Adapts the general model to one person: finds the face in each sample (or takes a crop as it is), adds jittered
/// copies of the faces, runs the frozen feature extractor once per crop, and trains only the classifier head on those
/// cached features mixed with replayed general FER2013 features, so other expressions are not forgotten. The general
/// model is never changed.
/// </summary>
public sealed class Personalizer
{
    // Samples without a face listed by name in the error; the rest are counted.
    private const int SamplesNamedInError = 5;

    // A sample that is already a face crop is its own detection, as certain as it gets.
    private const float FaceCropConfidence = 1f;

    // A face whose box is narrower or shorter than the model's input is upscaled to it: its detail is guessed.
    private const int SmallestSharpFace = FaceImage.Size;

    private readonly IFaceDetector _detector;
    private readonly ExpressionModel _model;
    private readonly Lazy<FaceFeatures?> _generalFeatures;
    private readonly ILogger _logger;
    private readonly PersonalFerTelemetry _telemetry;

    /// <summary>Creates a personalizer.</summary>
    /// <param name="detector">Finds the face in whole-frame samples.</param>
    /// <param name="model">The general model (frozen: only a copy of its head is trained).</param>
    /// <param name="generalFaces">
    /// General faces to replay (e.g. 2,000 FER2013 Training faces); null: the model's own
    /// <see cref="ExpressionModel.GeneralReplay"/> (the shipped default model has one), else none.
    /// </param>
    /// <param name="logger">Logging.</param>
    public Personalizer(IFaceDetector detector, ExpressionModel model, FaceDataset? generalFaces, ILogger<Personalizer>? logger = null)
        : this(detector, model, generalFaces, logger, PersonalFerTelemetry.Shared)
    {
    }

    // The container passes instruments on its own IMeterFactory's meter.
    internal Personalizer(IFaceDetector detector, ExpressionModel model, FaceDataset? generalFaces, ILogger<Personalizer>? logger, PersonalFerTelemetry telemetry)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(model);
        _detector = detector;
        _model = model;
        _logger = logger ?? NullLogger<Personalizer>.Instance;
        _telemetry = telemetry;
        _generalFeatures = new(() => generalFaces is { Count: > 0 } ? _model.ExtractFeatures(generalFaces.Pixels, generalFaces.Labels) : _model.GeneralReplay);
    }

    /// <summary>Prepares the replayed general features now (otherwise the first fine-tune does it).</summary>
    public void Warm() => _ = _generalFeatures.Value;

    /// <summary>
    /// <see cref="Warm"/> on the thread pool, for a host's start-up: with <c>GeneralDataPath</c> set it reads FER2013
    /// and runs the network over the replayed faces (tens of seconds), which would otherwise fall on the first
    /// fine-tune. Cancelling stops waiting before the work starts; once started, it completes for later fine-tunes.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public Task WarmAsync(CancellationToken cancellationToken = default) => Task.Run(Warm, cancellationToken);

    /// <summary>
    /// <see cref="FineTune(IReadOnlyList{Data.LabelledImage}, string, PersonalizationOptions?, IProgress{PersonalizationProgress}?, CancellationToken)"/> on the thread pool: the caller never blocks on face search or training. Cancelling
    /// stops it between samples of the face search, between the stages and between optimizer steps, with an
    /// <see cref="OperationCanceledException"/>; nothing is left behind and the general model is unchanged and
    /// usable. The same samples, options and seed give exactly the profile <see cref="FineTune(IReadOnlyList{Data.LabelledImage}, string, PersonalizationOptions?, IProgress{PersonalizationProgress}?, CancellationToken)"/> gives.
    /// </summary>
    /// <remarks>
    /// <paramref name="progress"/> is called on the training thread, in order, before the next step starts. A
    /// <see cref="Progress{T}"/> posts each report to the context it was created on (a UI thread), where they stay
    /// in order; created without one, it posts them to the thread pool, where they may arrive out of order. The
    /// samples must not change until the task ends.
    /// </remarks>
    /// <exception cref="ArgumentException">As for <see cref="FineTune(IReadOnlyList{Data.LabelledImage}, string, PersonalizationOptions?, IProgress{PersonalizationProgress}?, CancellationToken)"/>, thrown before the task starts.</exception>
    /// <exception cref="PersonalizationException">Too few faces, or samples without a face (unless skipped).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Overloads differ in their first parameter, samples or a profile to grow; no call can bind to another overload.")]
    public Task<PersonalizationResult> FineTuneAsync(
        IReadOnlyList<LabelledImage> samples,
        string name = "user",
        PersonalizationOptions? options = null,
        IProgress<PersonalizationProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        CheckArguments(samples, name, options);
        return Task.Run(() => FineTune(samples, name, options, progress, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// <see cref="FineTune(PersonalProfile, IReadOnlyList{LabelledImage}, PersonalizationOptions?, IProgress{PersonalizationProgress}?, CancellationToken)"/>
    /// on the thread pool, as <see cref="FineTuneAsync(IReadOnlyList{LabelledImage}, string, PersonalizationOptions?, IProgress{PersonalizationProgress}?, CancellationToken)"/>
    /// is for a new profile. <paramref name="profile"/> must not be disposed until the task ends.
    /// </summary>
    /// <exception cref="ArgumentException">As for the synchronous overload, thrown before the task starts.</exception>
    /// <exception cref="PersonalizationException">The profile cannot grow, or samples without a face (unless skipped).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Overloads differ in their first parameter, samples or a profile to grow; no call can bind to another overload.")]
    public Task<PersonalizationResult> FineTuneAsync(
        PersonalProfile profile,
        IReadOnlyList<LabelledImage> newSamples,
        PersonalizationOptions? options = null,
        IProgress<PersonalizationProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        CheckGrowable(profile);
        CheckArguments(newSamples, profile.Name, options);
        return Task.Run(() => FineTune(profile, newSamples, options, progress, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Grows <paramref name="profile"/> from new photos of the same person, without the old ones: the head is trained
    /// again, from the general head, on the features the profile kept of its faces together with the new faces' —
    /// the profile one fine-tune on all the photos would give, up to floating-point noise. The new profile keeps the
    /// name; <paramref name="profile"/> is left as it was (dispose it when done).
    /// </summary>
    /// <exception cref="ArgumentException">
    /// <paramref name="profile"/> belongs to other general weights or another framing, or a sample is invalid (as
    /// for a new profile).
    /// </exception>
    /// <exception cref="PersonalizationException">
    /// The profile keeps no features (trained with <see cref="PersonalizationOptions.KeepFeatures"/> off, or saved in
    /// format 2 before profiles could grow: fine-tune it again from the person's photos), or samples without a face
    /// (unless skipped).
    /// </exception>
    /// <exception cref="ObjectDisposedException"><paramref name="profile"/> is disposed.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Overloads differ in their first parameter, samples or a profile to grow; no call can bind to another overload.")]
    public PersonalizationResult FineTune(
        PersonalProfile profile,
        IReadOnlyList<LabelledImage> newSamples,
        PersonalizationOptions? options = null,
        IProgress<PersonalizationProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new PersonalizationOptions();
        CheckGrowable(profile);
        CheckArguments(newSamples, profile.Name, options);
        return PersonalFerTelemetry.Measure(PersonalFerDiagnostics.FineTuneActivity, _telemetry.FineTuneDuration, tags: default,
            activity => Train(newSamples, profile.Name, profile.Features, options, progress, activity, cancellationToken));
    }

    private void CheckGrowable(PersonalProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (profile.BaseModelFingerprint != _model.Fingerprint())
        {
            throw new ArgumentException("The profile was trained on other general model weights than this personalizer's.", nameof(profile));
        }

        if (profile.Framing != _model.Framing)
        {
            throw new ArgumentException($"The profile's faces were framed as '{profile.Framing}', but this model frames them as '{_model.Framing}'.", nameof(profile));
        }

        if (!profile.CanGrow)
        {
            throw new PersonalizationException($"Profile '{profile.Name}' keeps no features of its faces (it was trained with {nameof(PersonalizationOptions)}.{nameof(PersonalizationOptions.KeepFeatures)} off, or saved in format 2 before profiles could grow), so it cannot grow; fine-tune it again from the person's photos.");
        }
    }

    /// <summary>Trains a profile for one person from their labelled samples.</summary>
    /// <exception cref="ArgumentException">A sample is null, has no image or source, or an expression outside the seven; the message gives its index and source. Nothing has been searched yet.</exception>
    /// <exception cref="PersonalizationException">Too few faces, or samples without a face (unless skipped).</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="name"/> is empty, longer than 256 characters, or not well-formed Unicode (a profile could not
    /// store it as it is).
    /// </exception>
    public PersonalizationResult FineTune(
        IReadOnlyList<LabelledImage> samples,
        string name = "user",
        PersonalizationOptions? options = null,
        IProgress<PersonalizationProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new PersonalizationOptions();
        CheckArguments(samples, name, options);
        return PersonalFerTelemetry.Measure(PersonalFerDiagnostics.FineTuneActivity, _telemetry.FineTuneDuration, tags: default,
            activity => Train(samples, name, existing: null, options, progress, activity, cancellationToken));
    }

    private PersonalizationResult Train(
        IReadOnlyList<LabelledImage> samples,
        string name,
        PersonFeatures? existing,
        PersonalizationOptions options,
        IProgress<PersonalizationProgress>? progress,
        Activity? activity,
        CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        activity?.SetTag("personalfer.samples", samples.Count);
        var (pixels, faceOfCrop, labels, withoutFace, small) = Faces(samples, options, progress, cancellationToken);
        activity?.SetTag("personalfer.faces", labels.Count);
        activity?.SetTag("personalfer.samples_without_face", withoutFace.Count);
        activity?.SetTag("personalfer.head.steps", options.Head.Steps);
        var named = $"{string.Join(", ", withoutFace.Take(SamplesNamedInError))}{(withoutFace.Count > SamplesNamedInError ? ", …" : "")}";
        if (withoutFace.Count > 0 && !options.SkipSamplesWithoutFace)
        {
            throw new PersonalizationException($"No face found in {withoutFace.Count} sample(s): {named}");
        }

        if (withoutFace.Count > 0)
        {
            Log.SamplesWithoutFace(_logger, withoutFace.Count, samples.Count, named);
        }

        // A grown profile counts its kept faces too: one new photo may improve it.
        var faces = labels.Count + (existing?.FaceCount ?? 0);
        if (faces < options.MinimumFaces)
        {
            throw new PersonalizationException(options.MinimumFaces == 1
                ? "No face usable; a profile needs at least one labelled face."
                : $"{faces} face(s) usable; at least {options.MinimumFaces} are needed to personalize ({nameof(PersonalizationOptions)}.{nameof(PersonalizationOptions.MinimumFaces)}).");
        }

        // Each stage runs long enough (a batched pass over every face, a FER2013 replay read) to be worth a check.
        cancellationToken.ThrowIfCancellationRequested();
        var added = labels.Count > 0
            ? PersonFeatures.From(_model.ExtractFeatures(pixels, [.. faceOfCrop.Select(face => labels[face])], options.AddMirroredFaces), faceOfCrop)
            : null;
        var all = existing is null ? added! : added is null ? existing : existing.Append(added);
        if (options.KeepFeatures && all.ByteCount > PersonFeatures.MaxBytes)
        {
            throw new PersonalizationException($"The profile would keep {all.ByteCount >> 20} MiB of features of {all.FaceCount} faces, more than a profile holds ({PersonFeatures.MaxBytes >> 20} MiB); fine-tune a new profile from fewer photos, or with {nameof(PersonalizationOptions)}.{nameof(PersonalizationOptions.KeepFeatures)} off.");
        }

        var person = all.ToFaceFeatures(_model.Fingerprint());
        cancellationToken.ThrowIfCancellationRequested();
        var general = _generalFeatures.Value;
        if (general is null)
        {
            Log.NoReplay(_logger);
        }

        var head = PersonalHead.Train(_model, person, general, options.Head,
            progress is null ? null : new StepProgress(step => progress.Report(new PersonalizationProgress(PersonalizationStage.TrainingHead, step, options.Head.Steps))),
            cancellationToken);

        var (separation, warnings) = EnrolmentCheck.Check(all, general);
        warnings.AddRange(small.Select(face => new EnrolmentWarning(
            EnrolmentWarningKind.FaceTooSmall,
            $"The {face.Label} face in '{face.Source}' is {face.Width}×{face.Height} pixels, smaller than the model's {SmallestSharpFace}×{SmallestSharpFace}; capture it again closer to the camera.",
            [face.Label],
            face.Source)));
        Log.FineTuned(_logger, name, labels.Count, withoutFace.Count, stopwatch.Elapsed.TotalMilliseconds);
        return new PersonalizationResult(new PersonalProfile(name, head, _model.Framing, all.FacesPerExpression(), DateTimeOffset.UtcNow, options.KeepFeatures ? all : null), labels.Count, withoutFace)
        {
            Separation = separation,
            Warnings = warnings,
        };
    }

    private static void CheckArguments(IReadOnlyList<LabelledImage> samples, string name, PersonalizationOptions? options)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (PersonalProfile.NameProblem(name) is { } problem)
        {
            throw new ArgumentException($"A profile cannot be named so: {problem}.", nameof(name));
        }

        options?.Validate();
        CheckSamples(samples);
    }

    private static void CheckSamples(IReadOnlyList<LabelledImage> samples)
    {
        for (var i = 0; i < samples.Count; i++)
        {
            var sample = samples[i] ?? throw new ArgumentException($"Sample {i} is null.", nameof(samples));
            if (sample.Image is null || string.IsNullOrEmpty(sample.Source))
            {
                throw new ArgumentException($"Sample {i} ('{sample.Source}') has no {(sample.Image is null ? "image" : "source")}.", nameof(samples));
            }

            if (!Enum.IsDefined(sample.Label))
            {
                throw new ArgumentException($"Sample {i} ('{sample.Source}') is labelled {(int)sample.Label}, which is not one of the {Expressions.Count} expressions (0–{Expressions.Count - 1}).", nameof(samples));
            }
        }
    }

    // Reports synchronously, in order (Progress<T> would post to the thread pool and could report after return).
    private sealed class StepProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }

    private (byte[] Pixels, int[] FaceOfCrop, List<Expression> Labels, List<string> WithoutFace, List<(string Source, Expression Label, int Width, int Height)> Small) Faces(
        IReadOnlyList<LabelledImage> samples, PersonalizationOptions options, IProgress<PersonalizationProgress>? progress, CancellationToken cancellationToken)
    {
        var found = new List<(LabelledImage Sample, DetectedFace Face)>(samples.Count);
        var withoutFace = new List<string>();
        var small = new List<(string, Expression, int, int)>();
        foreach (var sample in samples)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var frame = FrameConversion.Wrap(sample.Image);
            DetectedFace? face = sample.IsFaceCrop
                ? new DetectedFace(new FaceBox(0, 0, sample.Image.Width, sample.Image.Height), FaceCropConfidence)
                : _detector.Detect(frame) is { Count: > 0 } detected ? detected[0] : null;
            if (face is null)
            {
                withoutFace.Add(sample.Source);
            }
            else
            {
                found.Add((sample, face.Value));
                if (face.Value.Box.Width < SmallestSharpFace || face.Value.Box.Height < SmallestSharpFace)
                {
                    small.Add((sample.Source, sample.Label, face.Value.Box.Width, face.Value.Box.Height));
                }
            }

            progress?.Report(new PersonalizationProgress(PersonalizationStage.FindingFaces, found.Count + withoutFace.Count, samples.Count));
        }

        var copies = found.Count == 0 ? 0 : Math.Min(PersonalizationOptions.MaxJitteredCopiesPerFace, options.JitteredCopies / found.Count);
        var cropsPerFace = 1 + copies;
        var pixels = new byte[found.Count * cropsPerFace * FaceImage.PixelCount];
        var faceOfCrop = new int[found.Count * cropsPerFace];
        var labels = new List<Expression>(found.Count);
        for (var index = 0; index < found.Count; index++)
        {
            var (sample, face) = found[index];
            using var frame = FrameConversion.Wrap(sample.Image);
            // A face crop is already framed: its whole image is the face, so no margin is added around it.
            var framing = sample.IsFaceCrop ? _model.Framing with { Margin = 0 } : _model.Framing;
            var first = index * cropsPerFace;
            var original = pixels.AsSpan(first * FaceImage.PixelCount, FaceImage.PixelCount);
            FacePreprocessor.Extract(frame, face, framing, original);
            // Seeded by the face itself, so the same photo gets the same copies in any call (a grown profile matches
            // one trained on all photos at once).
            var random = new Random(unchecked((options.Head.Seed * 31) + FaceJitter.Hash(original)));
            for (var copy = 1; copy < cropsPerFace; copy++)
            {
                var destination = pixels.AsSpan((first + copy) * FaceImage.PixelCount, FaceImage.PixelCount);
                FacePreprocessor.Extract(frame, face with { Box = FaceJitter.Box(face.Box, frame.Width, frame.Height, random, options.JitterRanges) }, framing, destination);
                FaceJitter.Lighting(destination, random, options.JitterRanges);
            }

            faceOfCrop.AsSpan(first, cropsPerFace).Fill(index);
            labels.Add(sample.Label);
        }

        return (pixels, faceOfCrop, labels, withoutFace, small);
    }
}
