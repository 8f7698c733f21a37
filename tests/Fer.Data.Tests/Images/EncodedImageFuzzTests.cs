using CsCheck;

namespace PersonalFer.Data.Tests;

/// <summary>
/// Valid encoded images made in code, damaged: decoding from memory gives an image of exactly the size its header
/// declares, within the limits, or an <see cref="ImageFormatException"/>, never anything else. The declared size is
/// what the limits are checked against, so an image decoded at another size would get round them.
/// </summary>
public sealed class EncodedImageFuzzTests
{
    private static readonly byte[][] Images =
    [
        SampleImages.Encode(".png", 7, 5, 1, seed: 1),
        SampleImages.Encode(".png", 6, 6, 4, seed: 2),
        SampleImages.Encode(".jpg", 16, 9, 3, seed: 3),
        SampleImages.Encode(".bmp", 5, 7, 3, seed: 4),
        SampleImages.Encode(".webp", 9, 11, 3, seed: 5),
    ];

    [Fact]
    public void Damaged_encoded_images_decode_at_their_declared_size_or_are_image_format_errors()
    {
        Gen.Select(Gen.Int[0, Images.Length - 1], Mutation.Bytes.Array[1, 3]).Sample((index, mutations) =>
        {
            var bytes = mutations.Aggregate(Images[index], (b, mutation) => mutation.Apply(b));
            try
            {
                var image = ImageData.Decode(bytes, "fuzzed");
                var declared = EncodedImage.DeclaredSize(bytes)!.Value;
                Assert.Equal((declared.Width, declared.Height), (image.Width, image.Height));
                Assert.True((long)image.Width * image.Height <= ImageData.MaxDecodedPixels);
            }
            catch (ImageFormatException error)
            {
                Assert.Equal("fuzzed", error.File);
            }
        }, iter: 2000, threads: 1);
    }
}
