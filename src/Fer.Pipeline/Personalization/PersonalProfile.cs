using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using PersonalFer.Data;
using PersonalFer.Model;

namespace PersonalFer;

/// <summary>
/// One person's adaptation of the general model: a retrained classifier head, metadata and, unless
/// <see cref="PersonalizationOptions.KeepFeatures"/> was off, the frozen network's features of the person's faces
/// (2,304 numbers per face and per mirror image, so that the profile can grow from new photos). It holds no face images. Saved atomically as a small zip (<c>profile.json</c>, <c>head.bin</c>,
/// <c>features.bin</c>); several profiles can serve side by side from one pipeline.
/// </summary>
public sealed class PersonalProfile : IDisposable
{
    /// <summary>The longest <see cref="Name"/> a profile takes.</summary>
    private const int MaxNameLength = 256;

    private const string ManifestEntry = "profile.json";
    private const string HeadEntry = "head.bin";
    private const string FeaturesEntry = "features.bin";

    // The version of the manifest and head layout this code writes and reads. Version 2 added the framing, version 3
    // the person's features (features.bin), which version 2 lacks: such a profile still serves but cannot grow.
    private const int FormatVersion = 3;
    private const int FeaturelessFormatVersion = 2;

    // Version 1 profiles were trained on faces cropped with a 15 % margin, eyes levelled: no model frames them so.
    private const int UnframedFormatVersion = 1;

    // Leading characters of a fingerprint that name it in an error message.
    private const int FingerprintShown = 12;

    // Entry sizes a reader accepts: far above a manifest of a few hundred bytes and a VggBn head of about 2 MB.
    private const int MaxManifestBytes = 64 << 10;
    private const int MaxHeadBytes = 64 << 20;

    // A whole profile read from a stream: the entries' limits and room for the zip structure around them.
    private const int MaxFileBytes = MaxManifestBytes + MaxHeadBytes + PersonFeatures.MaxBytes + (1 << 20);

    // What errors call a profile stream that is not a file.
    private const string StreamSource = "profile stream";

    // More faces than any fine-tune is given; a larger count is corruption.
    private const int MaxFaces = 1_000_000;

    // Created must fall in this window. The local clock plays no part: a machine whose clock is wrong must still load a profile.
    private static readonly DateTimeOffset EarliestCreated = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset LatestCreated = new(2100, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        AllowDuplicateProperties = false,
        RespectRequiredConstructorParameters = true,
        Converters = { new JsonStringEnumConverter(allowIntegerValues: false) },
    };

    private readonly string _name;
    private readonly PersonalHead _head;
    private readonly FaceFraming _framing;
    private readonly IReadOnlyList<int> _facesPerExpression;
    private readonly DateTimeOffset _created;
    private readonly PersonFeatures? _features;
    private bool _disposed;

    internal PersonalProfile(string name, PersonalHead head, FaceFraming framing, IReadOnlyList<int> facesPerExpression, DateTimeOffset created, PersonFeatures? features)
    {
        _features = features;
        _name = name;
        _head = head;
        _framing = framing;
        _facesPerExpression = facesPerExpression;
        _created = created;
    }

    /// <summary>Whose profile this is.</summary>
    public string Name => NotDisposed(_name);

    /// <summary>How many of the person's faces per expression it was trained on, in <see cref="Expression"/> order.</summary>
    public IReadOnlyList<int> FacesPerExpression => NotDisposed(_facesPerExpression);

    /// <summary>When it was trained (UTC).</summary>
    public DateTimeOffset Created => NotDisposed(_created);

    /// <summary>How the person's faces were cropped for training: the general model's framing at the time.</summary>
    public FaceFraming Framing => NotDisposed(_framing);

    /// <summary>Fingerprint of the general model weights the profile belongs to.</summary>
    public string BaseModelFingerprint => NotDisposed(_head).BaseModelFingerprint;

    /// <summary>
    /// Whether <see cref="Personalizer.FineTune(PersonalProfile, IReadOnlyList{LabelledImage}, PersonalizationOptions?, IProgress{PersonalizationProgress}?, CancellationToken)"/>
    /// can grow it from new photos: it keeps its faces' features. Profiles trained with
    /// <see cref="PersonalizationOptions.KeepFeatures"/> off, and other format 2 (head weights only) profiles, do not.
    /// </summary>
    public bool CanGrow => NotDisposed(_features) is not null;

    /// <summary>The person's cached features, or null for a profile that keeps none.</summary>
    internal PersonFeatures? Features => NotDisposed(_features);

    /// <summary>The retrained head (for <see cref="Evaluator"/> or <see cref="ExpressionModel.PredictProbabilities"/>).</summary>
    public PersonalHead Head => NotDisposed(_head);

    /// <summary>Writes the profile through a temporary file renamed into place.</summary>
    /// <exception cref="InvalidOperationException">The head's weights are not finite (its training diverged): no file is written.</exception>
    /// <exception cref="ObjectDisposedException">The profile is disposed: no file is written.</exception>
    public void Save(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var content = Content();
        CacheDirectory.WriteAtomically(path, content.GetBuffer().AsSpan(0, (int)content.Length));
    }

    /// <summary>
    /// Writes the profile to <paramref name="stream"/> (left open; it need not seek). The profile is built whole in
    /// memory first, so a refused save writes nothing.
    /// </summary>
    /// <exception cref="InvalidOperationException">The head's weights are not finite (its training diverged): nothing is written.</exception>
    /// <exception cref="ObjectDisposedException">The profile is disposed: nothing is written.</exception>
    public void Save(Stream stream)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(stream);
        using var content = Content();
        stream.Write(content.GetBuffer().AsSpan(0, (int)content.Length));
    }

    /// <summary>
    /// <see cref="Save(Stream)"/> with the stream written asynchronously, as ASP.NET Core response bodies require.
    /// The profile is built whole in memory first, so a refused save writes nothing.
    /// </summary>
    /// <exception cref="InvalidOperationException">The head's weights are not finite (its training diverged): nothing is written.</exception>
    /// <exception cref="ObjectDisposedException">The profile is disposed: nothing is written.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while writing.</exception>
    public async Task SaveAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(stream);
        using var content = Content();
        await stream.WriteAsync(content.GetBuffer().AsMemory(0, (int)content.Length), cancellationToken).ConfigureAwait(false);
    }

    // The whole file, built in memory so that nothing reaches its destination until it is complete.
    private MemoryStream Content()
    {
        var content = new MemoryStream();
        try
        {
            using var zip = new ZipArchive(content, ZipArchiveMode.Create, leaveOpen: true);
            using (var manifest = zip.CreateEntry(ManifestEntry).Open())
            {
                JsonSerializer.Serialize(manifest, new Manifest(_features is null ? FeaturelessFormatVersion : FormatVersion, _name, _head.Architecture, _head.BaseModelFingerprint, [.. _facesPerExpression], _created, _framing), Json);
            }

            using (var head = zip.CreateEntry(HeadEntry, CompressionLevel.NoCompression).Open()) // float32 weights do not deflate
            {
                _head.Save(head);
            }

            if (_features is not null)
            {
                // A profile without features (trained with KeepFeatures off, or a loaded format 2 one) is saved without them.
                using var features = zip.CreateEntry(FeaturesEntry, CompressionLevel.NoCompression).Open();
                _features.Write(features);
            }
        }
        catch
        {
            content.Dispose();
            throw;
        }

        return content;
    }

    /// <summary>Loads a profile for <paramref name="model"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="ProfileFormatException">
    /// The file is there but is not a profile, is corrupt or truncated, of another version, has an invalid field, or
    /// was made for other general weights or another framing; the message names the file and the problem.
    /// </exception>
    /// <exception cref="ObjectDisposedException"><paramref name="model"/> is disposed.</exception>
    public static PersonalProfile Load(string path, ExpressionModel model) => Load(path, model, logger: null);

    /// <summary>Loads a profile for <paramref name="model"/>, logging it loaded or, with the reason, refused.</summary>
    /// <param name="path">The profile file.</param>
    /// <param name="model">The general model the profile must have been trained on.</param>
    /// <param name="logger">Where the profile-loaded and profile-refused events go; null: nowhere.</param>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="ProfileFormatException">The file is not a valid profile for <paramref name="model"/>.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="model"/> is disposed.</exception>
    public static PersonalProfile Load(string path, ExpressionModel model, ILogger? logger)
    {
        if (logger is null)
        {
            return LoadProfile(path, model);
        }

        try
        {
            var profile = LoadProfile(path, model);
            Log.ProfileLoaded(logger, profile.Name, path, profile.FacesPerExpression.Sum(), profile.Created);
            return profile;
        }
        catch (ProfileFormatException e)
        {
            Log.ProfileRefused(logger, path, e.Problem, e);
            throw;
        }
    }

    private static PersonalProfile LoadProfile(string path, ExpressionModel model)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(model);
        var fingerprint = model.Fingerprint();
        using var zip = OpenArchive(path, () => ArchiveReader.Open(path));
        return Load(zip, path, model, fingerprint);
    }

    /// <summary>
    /// Loads a profile for <paramref name="model"/> from a stream (a database blob, a request body), which need not
    /// seek: it is read whole, up to 129 MiB (a profile of thousands of faces is far smaller), then checked exactly as a file is. The stream is left open.
    /// </summary>
    /// <exception cref="ProfileFormatException">
    /// As for <see cref="Load(string, ExpressionModel)"/>, or the stream holds more than a profile may; errors name a
    /// file stream's file, else "profile stream".
    /// </exception>
    /// <exception cref="ObjectDisposedException"><paramref name="model"/> is disposed.</exception>
    public static PersonalProfile Load(Stream stream, ExpressionModel model)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(model);
        var fingerprint = model.Fingerprint();
        var source = StreamBuffer.Describe(stream, StreamSource);
        using var zip = OpenArchive(source, () => new ZipArchive(new MemoryStream(StreamBuffer.ReadAll(stream, MaxFileBytes), writable: false), ZipArchiveMode.Read));
        return Load(zip, source, model, fingerprint);
    }

    /// <summary>
    /// <see cref="Load(Stream, ExpressionModel)"/> with the stream read asynchronously, as ASP.NET Core request
    /// bodies require; the profile, a few megabytes at most, is then checked and built on the calling thread.
    /// </summary>
    /// <exception cref="ProfileFormatException">As for <see cref="Load(Stream, ExpressionModel)"/>.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="model"/> is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while reading.</exception>
    public static async Task<PersonalProfile> LoadAsync(Stream stream, ExpressionModel model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(model);
        var fingerprint = model.Fingerprint();
        var source = StreamBuffer.Describe(stream, StreamSource);
        byte[] content;
        try
        {
            content = await StreamBuffer.ReadAllAsync(stream, MaxFileBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw Unreadable(source, e);
        }

        using var zip = OpenArchive(source, () => new ZipArchive(new MemoryStream(content, writable: false), ZipArchiveMode.Read));
        return Load(zip, source, model, fingerprint);
    }

    private static PersonalProfile Load(ZipArchive zip, string path, ExpressionModel model, string fingerprint)
    {
        Manifest manifest;
        byte[] head;
        byte[]? featureBytes;
        try
        {
            var entries = ArchiveReader.Entries(zip, [ManifestEntry, HeadEntry], [FeaturesEntry]);
            manifest = ReadManifest(ArchiveReader.Read(entries[ManifestEntry], MaxManifestBytes));
            head = ArchiveReader.Read(entries[HeadEntry], MaxHeadBytes);
            var hasFeatures = entries.TryGetValue(FeaturesEntry, out var featuresEntry);
            if (hasFeatures != (manifest.FormatVersion == FormatVersion))
            {
                throw new InvalidDataException(hasFeatures
                    ? $"format version {manifest.FormatVersion} holds no {FeaturesEntry}, yet this file has one"
                    : $"format version {manifest.FormatVersion} requires {FeaturesEntry}, which is missing");
            }

            featureBytes = hasFeatures ? ArchiveReader.Read(featuresEntry!, PersonFeatures.MaxBytes) : null;
        }
        catch (InvalidDataException e)
        {
            throw new ProfileFormatException(path, e.Message, e);
        }

        if (manifest.Architecture != model.Architecture || manifest.BaseModelFingerprint != fingerprint)
        {
            throw new ProfileFormatException(path, $"was trained on other general model weights ({manifest.Architecture} {manifest.BaseModelFingerprint[..FingerprintShown]}…), not this {model.Architecture} model");
        }

        if (manifest.Framing != model.Framing)
        {
            throw new ProfileFormatException(path, $"was trained on faces framed as '{manifest.Framing}', but this model frames them as '{model.Framing}'; fine-tune it again from the person's photos");
        }

        PersonFeatures? features;
        try
        {
            // The features' size depends on the network, so they are read once the model is known to be the right one.
            features = featureBytes is null ? null : PersonFeatures.Read(featureBytes, model.Network.FeatureSize, manifest.FacesPerExpression);
        }
        catch (InvalidDataException e)
        {
            throw new ProfileFormatException(path, $"{FeaturesEntry}: {e.Message}", e);
        }

        try
        {
            using var headStream = new MemoryStream(head);
            return new PersonalProfile(manifest.Name, PersonalHead.Load(headStream, model, fingerprint), manifest.Framing!, manifest.FacesPerExpression, manifest.Created, features);
        }
        catch (InvalidDataException e)
        {
            throw new ProfileFormatException(path, $"{HeadEntry}: {e.Message}", e);
        }
    }

    /// <summary>What is wrong with <paramref name="name"/> as a profile's name, or null when nothing is.</summary>
    internal static string? NameProblem(string? name) =>
        string.IsNullOrWhiteSpace(name) ? "the name is empty"
        : name.Length > MaxNameLength ? $"the name has {name.Length} characters (at most {MaxNameLength})"
        : !StoredText.IsWellFormed(name) ? $"the name '{StoredText.Shown(name)}' is not well-formed Unicode"
        : null;

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _head.Dispose();
    }

    private T NotDisposed<T>(T value)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return value;
    }

    private static ZipArchive OpenArchive(string path, Func<ZipArchive> open)
    {
        try
        {
            return open();
        }
        catch (InvalidDataException e)
        {
            throw Unreadable(path, e);
        }
    }

    private static ProfileFormatException Unreadable(string path, InvalidDataException e) =>
        new(path, $"not a readable PersonalFer profile, or corrupt or truncated ({e.Message})", e);

    /// <exception cref="InvalidDataException">The manifest is unreadable, of another version, or has an invalid field.</exception>
    private static Manifest ReadManifest(byte[] content)
    {
        Manifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<Manifest>(content, Json);
        }
        catch (Exception e) when (e is JsonException or ArgumentOutOfRangeException)
        {
            // FaceFraming refuses an out-of-range margin with ArgumentOutOfRangeException, which the serializer passes on.
            throw new InvalidDataException($"{ManifestEntry} is unreadable ({e.Message})", e);
        }

        if (manifest is null)
        {
            throw new InvalidDataException($"{ManifestEntry} is empty");
        }

        if (manifest.FormatVersion == UnframedFormatVersion)
        {
            throw new InvalidDataException("was trained on faces framed the way PersonalFer cropped them before models stated their framing; fine-tune it again from the person's photos");
        }

        var problem = manifest.FormatVersion is not (FormatVersion or FeaturelessFormatVersion) ? $"format version {manifest.FormatVersion} is not supported"
            : NameProblem(manifest.Name) is { } name ? name
            : !Enum.IsDefined(manifest.Architecture) ? $"{nameof(Manifest.Architecture)} {manifest.Architecture} is not a known network"
            : !IsFingerprint(manifest.BaseModelFingerprint) ? $"{nameof(Manifest.BaseModelFingerprint)} '{StoredText.Shown(manifest.BaseModelFingerprint ?? "(null)")}' is not 64 lowercase hexadecimal digits"
            : manifest.Framing is null ? $"{nameof(Manifest.Framing)} is missing"
            : FacesProblem(manifest.FacesPerExpression) is { } faces ? faces
            : manifest.Created < EarliestCreated || manifest.Created >= LatestCreated ? $"{nameof(Manifest.Created)} {manifest.Created:O} is not a plausible date"
            : null;
        return problem is null ? manifest : throw new InvalidDataException($"{ManifestEntry}: {problem}");
    }

    private static bool IsFingerprint(string? value) =>
        value is { Length: 64 } && value.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));

    private static string? FacesProblem(int[]? faces) =>
        faces is null ? $"{nameof(Manifest.FacesPerExpression)} is missing"
        : faces.Length != Expressions.Count ? $"{nameof(Manifest.FacesPerExpression)} has {faces.Length} counts, not one per expression ({Expressions.Count})"
        : faces.Any(count => count < 0) ? $"{nameof(Manifest.FacesPerExpression)} [{string.Join(", ", faces)}] has a negative count"
        : faces.Sum(count => (long)count) is < 1 or > MaxFaces ? $"{nameof(Manifest.FacesPerExpression)} [{string.Join(", ", faces)}] adds up to no faces or more than {MaxFaces:N0}"
        : null;

    // Framing is optional only so that a version 1 file (which has none) reaches its own error.
    private sealed record Manifest(int FormatVersion, string Name, ModelArchitecture Architecture, string BaseModelFingerprint, int[] FacesPerExpression, DateTimeOffset Created, FaceFraming? Framing = null);
}
