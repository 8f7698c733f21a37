using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using PersonalFer.Data;
using PersonalFer.Model;

namespace PersonalFer;

/// <summary>
/// One person's adaptation of the general model: a retrained classifier head and metadata. It holds no face
/// images. Saved atomically as a small zip (<c>profile.json</c> + <c>head.bin</c>); several profiles can serve
/// side by side from one pipeline.
/// </summary>
public sealed class PersonalProfile : IDisposable
{
    private const string ManifestEntry = "profile.json";
    private const string HeadEntry = "head.bin";

    // The version of the manifest and head layout this code writes and reads. Version 2 added the framing.
    private const int FormatVersion = 2;

    // Version 1 profiles were trained on faces cropped with a 15 % margin, eyes levelled: no model frames them so.
    private const int UnframedFormatVersion = 1;

    // Leading characters of a fingerprint that name it in an error message.
    private const int FingerprintShown = 12;
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };

    internal PersonalProfile(string name, PersonalHead head, FaceFraming framing, IReadOnlyList<int> facesPerExpression, DateTimeOffset created)
    {
        Name = name;
        Head = head;
        Framing = framing;
        FacesPerExpression = facesPerExpression;
        Created = created;
    }

    /// <summary>Whose profile this is.</summary>
    public string Name { get; }

    /// <summary>How many of the person's faces per expression it was trained on, in <see cref="Expression"/> order.</summary>
    public IReadOnlyList<int> FacesPerExpression { get; }

    /// <summary>When it was trained (UTC).</summary>
    public DateTimeOffset Created { get; }

    /// <summary>How the person's faces were cropped for training: the general model's framing at the time.</summary>
    public FaceFraming Framing { get; }

    /// <summary>Fingerprint of the general model weights the profile belongs to.</summary>
    public string BaseModelFingerprint => Head.BaseModelFingerprint;

    /// <summary>The retrained head (for <see cref="Evaluator"/> or <see cref="ExpressionModel.PredictProbabilities"/>).</summary>
    public PersonalHead Head { get; }

    /// <summary>Writes the profile through a temporary file renamed into place.</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var content = new MemoryStream();
        using (var zip = new ZipArchive(content, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var manifest = zip.CreateEntry(ManifestEntry).Open())
            {
                JsonSerializer.Serialize(manifest, new Manifest(FormatVersion, Name, Head.Architecture, BaseModelFingerprint, Framing, [.. FacesPerExpression], Created), Json);
            }

            using var head = zip.CreateEntry(HeadEntry).Open();
            Head.Save(head);
        }

        CacheDirectory.WriteAtomically(path, content.GetBuffer().AsSpan(0, (int)content.Length));
    }

    /// <summary>Loads a profile for <paramref name="model"/>.</summary>
    /// <exception cref="ProfileFormatException">Missing, corrupt, of another version, or for other general weights.</exception>
    public static PersonalProfile Load(string path, ExpressionModel model)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(model);
        if (!System.IO.File.Exists(path))
        {
            throw new ProfileFormatException(path, "file not found");
        }

        try
        {
            using var zip = ZipFile.OpenRead(path);
            Manifest manifest;
            using (var stream = (zip.GetEntry(ManifestEntry) ?? throw new ProfileFormatException(path, $"has no {ManifestEntry}")).Open())
            {
                manifest = JsonSerializer.Deserialize<Manifest>(stream, Json) ?? throw new ProfileFormatException(path, $"{ManifestEntry} is empty");
            }

            if (manifest.FormatVersion == UnframedFormatVersion)
            {
                throw new ProfileFormatException(path, "was trained on faces framed the way PersonalFer cropped them before models stated their framing; fine-tune it again from the person's photos");
            }

            if (manifest.FormatVersion != FormatVersion)
            {
                throw new ProfileFormatException(path, $"format version {manifest.FormatVersion} is not supported");
            }

            if (manifest.Architecture != model.Architecture || manifest.BaseModelFingerprint != model.Fingerprint())
            {
                throw new ProfileFormatException(path, $"was trained on other general model weights ({manifest.Architecture} {manifest.BaseModelFingerprint[..Math.Min(FingerprintShown, manifest.BaseModelFingerprint.Length)]}…), not this {model.Architecture} model");
            }

            if (manifest.Framing is null || manifest.Framing != model.Framing)
            {
                throw new ProfileFormatException(path, $"was trained on faces framed as '{manifest.Framing?.ToString() ?? "(none)"}', but this model frames them as '{model.Framing}'; fine-tune it again from the person's photos");
            }

            using var head = (zip.GetEntry(HeadEntry) ?? throw new ProfileFormatException(path, $"has no {HeadEntry}")).Open();
            using var buffer = new MemoryStream();
            head.CopyTo(buffer);
            buffer.Position = 0;
            return new PersonalProfile(manifest.Name, PersonalHead.Load(buffer, model, manifest.BaseModelFingerprint), manifest.Framing, manifest.FacesPerExpression, manifest.Created);
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or ArgumentOutOfRangeException)
        {
            throw new ProfileFormatException(path, $"not a readable PersonalFer profile ({e.Message})", e);
        }
    }

    /// <inheritdoc />
    public void Dispose() => Head.Dispose();

    private sealed record Manifest(int FormatVersion, string Name, ModelArchitecture Architecture, string BaseModelFingerprint, FaceFraming? Framing, int[] FacesPerExpression, DateTimeOffset Created);
}
