using System.Runtime.InteropServices;
using OpenCvSharp;
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
    /// <summary>Loads the model and the replay features now, so the first visitor does not wait for them.</summary>
    public void Warm() => personalizer.Warm();

    /// <summary>Decodes a JPEG or PNG frame and classifies it with the general model and, if given, the profile.</summary>
    /// <exception cref="FrameRejectedException">The bytes do not decode to an image.</exception>
    public FrameExpressions Classify(ReadOnlySpan<byte> encoded, PersonalProfile? profile)
    {
        // Decoded once for both heads; ExpressionPipeline.Classify(ReadOnlySpan<byte>) would decode once per call.
        using var frame = Decode(encoded);
        var general = pipeline.Classify(frame);
        var personal = profile is null || general.Count == 0 ? null : pipeline.Classify(frame, profile);
        return new FrameExpressions(frame.Width, frame.Height, general, personal);
    }

    /// <summary>A captured frame as the personalizer takes it (whole frame, BGR).</summary>
    /// <exception cref="FrameRejectedException">The bytes do not decode to an image.</exception>
    public static ImageData ToImage(ReadOnlySpan<byte> encoded)
    {
        using var frame = Decode(encoded);
        var pixels = new byte[frame.Width * frame.Height * 3];
        Marshal.Copy(frame.Data, pixels, 0, pixels.Length); // imdecode returns a continuous matrix
        return new ImageData(pixels, frame.Width, frame.Height, PixelFormat.Bgr24);
    }

    /// <summary>Fine-tunes a profile off the request thread; progress arrives on the fine-tuning thread.</summary>
    public Task<PersonalizationResult> FineTuneAsync(IReadOnlyList<LabelledImage> samples, string name, IProgress<PersonalizationProgress> progress, CancellationToken cancellationToken) =>
        // FineTune is CPU-bound and synchronous; on the thread pool it leaves the WebSocket loops free.
        Task.Run(() => personalizer.FineTune(samples, name, new PersonalizationOptions { SkipSamplesWithoutFace = true }, progress, cancellationToken), cancellationToken);

    /// <summary>The profile file's bytes (a zip of profile.json and head.bin: head weights and metadata, no images).</summary>
    public static byte[] ToBytes(PersonalProfile profile)
    {
        // PersonalProfile saves to a path only, so the bytes pass through a private temporary file.
        var path = TemporaryPath();
        try
        {
            profile.Save(path);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A profile from the bytes <see cref="ToBytes"/> made, checked against this server's model.</summary>
    /// <exception cref="ProfileFormatException">The bytes are not a profile of this model.</exception>
    public PersonalProfile FromBytes(byte[] bytes)
    {
        var path = TemporaryPath();
        try
        {
            File.WriteAllBytes(path, bytes);
            return PersonalProfile.Load(path, model);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string TemporaryPath() => Path.Combine(Path.GetTempPath(), $"fer-web-{Guid.NewGuid():N}.ferprofile");

    private static Mat Decode(ReadOnlySpan<byte> encoded)
    {
        Mat frame;
        try
        {
            frame = Cv2.ImDecode(encoded, ImreadModes.Color);
        }
        catch (OpenCVException e)
        {
            throw new FrameRejectedException("not-an-image", $"The frame could not be decoded ({e.ErrMsg}).");
        }

        if (frame.Empty())
        {
            frame.Dispose();
            throw new FrameRejectedException("not-an-image", "The frame could not be decoded as a JPEG or PNG image.");
        }

        return frame;
    }
}
