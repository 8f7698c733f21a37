using PersonalFer.Tests;
using static TorchSharp.torch;

namespace PersonalFer.Model.Tests;

public sealed class AugmenterTests
{
    private static Tensor Faces() => FaceTensors.Unit(TestFaces.Make(16).Pixels, 16);

    [Fact]
    public void No_augmentation_is_the_identity()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(1);
        var faces = Faces();
        var output = Augmenter.Apply(faces, AugmentationOptions.None, generator);
        Assert.True(output.sub(faces).abs().max().item<float>() < 1e-4f);
    }

    [Fact]
    public void Flip_alone_mirrors_about_half_of_the_faces()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(3);
        var faces = Faces();
        var output = Augmenter.Apply(faces, AugmentationOptions.None with { HorizontalFlip = true }, generator);
        var mirrored = 0;
        for (var i = 0; i < 16; i++)
        {
            var same = output[i].sub(faces[i]).abs().max().item<float>() < 1e-4f;
            var flipped = output[i].sub(faces[i].flip(2)).abs().max().item<float>() < 1e-4f;
            Assert.True(same || flipped, $"face {i} is neither itself nor its mirror image");
            mirrored += flipped && !same ? 1 : 0;
        }

        Assert.InRange(mirrored, 3, 13);
    }

    [Fact]
    public void Default_augmentation_stays_in_range_changes_faces_and_is_reproducible()
    {
        using var scope = NewDisposeScope();
        var faces = Faces();
        using var first = new Generator(7);
        using var second = new Generator(7);
        var a = Augmenter.Apply(faces, new AugmentationOptions(), first);
        var b = Augmenter.Apply(faces, new AugmentationOptions(), second);

        Assert.Equal(faces.shape, a.shape);
        Assert.True(a.min().item<float>() >= 0f && a.max().item<float>() <= 1f);
        Assert.True(a.sub(faces).abs().mean().item<float>() > 0.02f, "augmentation left the faces unchanged");
        Assert.Equal(0f, a.sub(b).abs().max().item<float>());
    }
}
