namespace PersonalFer.Data.Tests;

public sealed class ImageDataTests
{
    [Fact]
    public void Image_data_checks_its_sizes()
    {
        Assert.Throws<ArgumentException>(() => new ImageData(new byte[10], 4, 4, PixelFormat.Gray8));
        Assert.Throws<ArgumentException>(() => new ImageData(new byte[100], 4, 4, PixelFormat.Bgr24, stride: 8));
        var padded = new ImageData(new byte[(16 * 3) + 12], 4, 4, PixelFormat.Bgr24, stride: 16);
        Assert.Equal(16, padded.Stride);
    }
}
