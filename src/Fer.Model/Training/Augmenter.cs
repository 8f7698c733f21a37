using PersonalFer.Data;
using static TorchSharp.torch;

namespace PersonalFer.Model;

/// <summary>Applies <see cref="AugmentationOptions"/> to a whole batch at once with a few tensor operations.</summary>
internal static class Augmenter
{
    /// <summary>Augments unit-range images [N, 1, 48, 48]; returns a new tensor in the caller's dispose scope.</summary>
    public static Tensor Apply(Tensor images, AugmentationOptions options, Generator generator)
    {
        var n = images.shape[0];
        Tensor Uniform(double maxAbs) => rand([n], generator: generator).mul_(2 * maxAbs).sub_(maxAbs);

        var angle = Uniform(options.MaxRotationDegrees * Math.PI / 180);
        var scale = Uniform(options.MaxScaleChange).add_(1);
        var flip = options.HorizontalFlip
            ? rand([n], generator: generator).lt(0.5).to(float32).mul_(-2).add_(1)
            : ones(n);
        var cos = angle.cos().div_(scale);
        var sin = angle.sin().div_(scale);
        // Maps output coordinates to input coordinates (affine_grid's convention), flip applied to the input's x.
        var theta = stack([
            stack([cos.mul(flip), sin.neg().mul(flip), Uniform(options.MaxShift * 2)], 1),
            stack([sin, cos, Uniform(options.MaxShift * 2)], 1),
        ], 1);
        var grid = nn.functional.affine_grid(theta, [n, 1, FaceImage.Size, FaceImage.Size], align_corners: false);
        var warped = nn.functional.grid_sample(images, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: false);

        var mean = warped.mean([1, 2, 3], keepdim: true);
        var contrast = Uniform(options.MaxContrastChange).add_(1).view(n, 1, 1, 1);
        var brightness = Uniform(options.MaxBrightness).view(n, 1, 1, 1);
        var adjusted = warped.sub(mean).mul_(contrast).add_(mean).add_(brightness).clamp_(0, 1);

        return options.ErasingProbability > 0 ? Erase(adjusted, mean, options.ErasingProbability, generator) : adjusted;
    }

    private static Tensor Erase(Tensor images, Tensor mean, double probability, Generator generator)
    {
        var n = images.shape[0];
        const int Side = FaceImage.Size;
        Tensor Draw(double low, double high) => rand([n, 1, 1, 1], generator: generator).mul_(high - low).add_(low);

        var width = Draw(Side / 8.0, Side / 3.0).floor_();
        var height = Draw(Side / 8.0, Side / 3.0).floor_();
        var left = Draw(0, 1).mul_(Side - width).floor_();
        var top = Draw(0, 1).mul_(Side - height).floor_();
        var apply = rand([n, 1, 1, 1], generator: generator).lt(probability);
        var x = arange(Side, dtype: float32).view(1, 1, 1, Side);
        var y = arange(Side, dtype: float32).view(1, 1, Side, 1);
        var mask = x.ge(left).logical_and(x.lt(left.add(width))).logical_and(y.ge(top)).logical_and(y.lt(top.add(height))).logical_and(apply);
        return where(mask, mean.expand_as(images), images);
    }
}
