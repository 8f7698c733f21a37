using OpenCvSharp;
using PersonalFer.Data;
using PersonalFer.Tests;

namespace PersonalFer.Pipeline.Tests;

/// <summary>
/// Classifying encoded images (an upload, a request body) with the shipped model: the same faces as the decoded
/// frame, from bytes, seekable or forward-only streams, synchronously or not; bad bytes are typed errors.
/// </summary>
public sealed class EncodedImageClassifyTests(ShippedModel shipped) : IClassFixture<ShippedModel>
{
    [Theory]
    [InlineData(".png")]
    [InlineData(".jpg")]
    public async Task Encoded_bytes_and_streams_give_exactly_the_faces_of_the_decoded_frame(string extension)
    {
        using var photo = TestPhotos.TwoFaces();
        Assert.True(Cv2.ImEncode(extension, photo, out var encoded));
        using var decoded = Cv2.ImDecode(encoded, ImreadModes.Unchanged);
        var pipeline = shipped.Pipeline;
        var expected = pipeline.Classify(decoded);

        Assert.Equal(2, expected.Count);
        AssertSame(expected, pipeline.Classify(encoded));
        AssertSame(expected, pipeline.Classify(new MemoryStream(encoded)));
        AssertSame(expected, pipeline.Classify(ForwardOnlyStream.Reading(encoded)));
        AssertSame(expected, await pipeline.ClassifyAsync(ForwardOnlyStream.Reading(encoded), cancellationToken: TestContext.Current.CancellationToken));
        AssertSame(expected, pipeline.Classify(ImageData.Decode(encoded)));
    }

    [Fact]
    public void The_bundled_png_file_classifies_as_its_pixels_do_with_a_profile_too()
    {
        var encoded = File.ReadAllBytes(TestPhotos.AstronautPath);
        using var frame = TestPhotos.Astronaut();
        var pipeline = shipped.Pipeline;
        using var profile = shipped.Personalizer.FineTune(Samples(), "encoded").Profile;

        Assert.Equal(Expression.Happy, Assert.Single(pipeline.Classify(encoded)).Expression);
        AssertSame(pipeline.Classify(frame, profile), pipeline.Classify(encoded, profile));
        using var file = File.OpenRead(TestPhotos.AstronautPath);
        AssertSame(pipeline.Classify(frame), pipeline.Classify(file));
    }

    [Fact]
    public async Task Empty_garbage_truncated_and_oversized_inputs_are_image_format_errors()
    {
        var pipeline = shipped.Pipeline;
        var png = File.ReadAllBytes(TestPhotos.AstronautPath);

        Assert.Contains("no bytes", Assert.Throws<ImageFormatException>(() => pipeline.Classify(ReadOnlySpan<byte>.Empty)).Message, StringComparison.Ordinal);
        Assert.Contains("no bytes", Assert.Throws<ImageFormatException>(() => pipeline.Classify(new MemoryStream())).Message, StringComparison.Ordinal);
        Assert.Contains("not a PNG, JPEG, BMP or WebP image", Assert.Throws<ImageFormatException>(() => pipeline.Classify("<html>not an image</html>"u8)).Message, StringComparison.Ordinal);
        Assert.Contains("not a readable image", Assert.Throws<ImageFormatException>(() => pipeline.Classify(png.AsSpan(0, png.Length / 3))).Message, StringComparison.Ordinal);
        var tooLong = await Assert.ThrowsAsync<ImageFormatException>(() => pipeline.ClassifyAsync(new MemoryStream(new byte[ImageData.MaxEncodedBytes + 1]), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("more than 67,108,864 bytes", tooLong.Message, StringComparison.Ordinal);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pipeline.ClassifyAsync(new MemoryStream(png), cancellationToken: cancelled.Token));
    }

    [Fact]
    public void A_frame_copied_from_memory_classifies_as_the_array_it_was_copied_from()
    {
        using var frame = TestPhotos.Astronaut();
        var array = TestPhotos.ToImageData(frame);
        ReadOnlyMemory<byte> memory = array.Pixels;

        var copied = ImageData.CopyOf(memory.Span, array.Width, array.Height, array.Format);

        AssertSame(shipped.Pipeline.Classify(array), shipped.Pipeline.Classify(copied));
    }

    internal static void AssertSame(IReadOnlyList<FaceExpression> expected, IReadOnlyList<FaceExpression> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Box, actual[i].Box);
            Assert.Equal(expected[i].Expression, actual[i].Expression);
            Assert.Equal(expected[i].Probabilities, actual[i].Probabilities);
        }
    }

    /// <summary>Whole frames of the bundled photo, one per expression.</summary>
    internal static List<LabelledImage> Samples() =>
        [.. Enumerable.Range(0, Expressions.Count).Select(i =>
        {
            using var image = TestPhotos.Variant(i);
            return new LabelledImage(TestPhotos.ToImageData(image), (Expression)i, $"variant-{i}");
        })];
}
