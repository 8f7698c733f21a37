using PersonalFer.Data;
using PersonalFer.Model;

namespace PersonalFer.Web;

/// <summary>
/// Every call the app makes into PersonalFer, in one place: decoding frames, classifying, fine-tuning, and turning
/// profiles into bytes and back. One instance serves every connection; the pipeline, personalizer and model behind it
/// are the singletons <c>AddPersonalFer</c> registers, safe to share between threads.
/// </summary>
internal sealed class FerService(ExpressionPipeline pipeline, Personalizer personalizer, ExpressionModel model)
{
    /// <summary>Loads the model and the replay features and runs the detector and network once, so the first visitor does not wait for them.</summary>
    public async Task WarmAsync(CancellationToken cancellationToken)
    {
        await personalizer.WarmAsync(cancellationToken).ConfigureAwait(false);
        await pipeline.WarmAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Decodes a JPEG or PNG frame and classifies it with the general model and, if given, the profile.</summary>
    /// <exception cref="FrameRejectedException">The bytes do not decode to an image.</exception>
    public FrameExpressions Classify(ReadOnlySpan<byte> encoded, PersonalProfile? profile)
    {
        // Decoded once for both heads; ExpressionPipeline.Classify(ReadOnlySpan<byte>) would decode once per call.
        var frame = ToImage(encoded);
        var general = pipeline.Classify(frame);
        var personal = profile is null || general.Count == 0 ? null : pipeline.Classify(frame, profile);
        return new FrameExpressions(frame.Width, frame.Height, general, personal);
    }

    /// <summary>A frame decoded as the pipeline and the personalizer take it.</summary>
    /// <exception cref="FrameRejectedException">The bytes do not decode to an image.</exception>
    public static ImageData ToImage(ReadOnlySpan<byte> encoded)
    {
        try
        {
            return ImageData.Decode(encoded, "frame");
        }
        catch (ImageFormatException e)
        {
            throw new FrameRejectedException("not-an-image", $"The frame could not be decoded: {e.Message}");
        }
    }

    /// <summary>Fine-tunes a profile off the request thread; progress arrives on the fine-tuning thread.</summary>
    public Task<PersonalizationResult> FineTuneAsync(IReadOnlyList<LabelledImage> samples, string name, IProgress<PersonalizationProgress> progress, CancellationToken cancellationToken) =>
        personalizer.FineTuneAsync(samples, name, new PersonalizationOptions { SkipSamplesWithoutFace = true, KeepFeatures = false }, progress, cancellationToken);

    /// <summary>The profile's bytes (a zip of profile.json and head.bin: head weights and metadata, no images).</summary>
    public static byte[] ToBytes(PersonalProfile profile)
    {
        using var bytes = new MemoryStream();
        profile.Save(bytes);
        return bytes.ToArray();
    }

    /// <summary>A profile from the bytes <see cref="ToBytes"/> made, checked against this server's model.</summary>
    /// <exception cref="ProfileFormatException">The bytes are not a profile of this model.</exception>
    public PersonalProfile FromBytes(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return PersonalProfile.Load(stream, model);
    }
}
