using OpenCvSharp;
using PersonalFer.Tests;

namespace PersonalFer.Detection.Tests;

public sealed class FrameContentTests
{
    [Fact]
    public void A_photo_without_bands_is_all_content()
    {
        using var frame = TestPhotos.Astronaut();
        Assert.Equal(new Rect(0, 0, frame.Width, frame.Height), FrameContent.Bounds(frame, new Rect(0, 0, frame.Width, frame.Height)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(255)]
    [InlineData(37)]
    public void Bands_of_one_colour_along_each_edge_are_cut_off(int colour)
    {
        using var photo = TestPhotos.Astronaut();
        using var frame = new Mat();
        Cv2.CopyMakeBorder(photo, frame, 12, 30, 45, 7, BorderTypes.Constant, Scalar.All(colour));
        // Compressed video leaves its bars slightly noisy: they must still count as bars.
        using var noise = new Mat(frame.Size(), frame.Type());
        Cv2.Randu(noise, Scalar.All(0), Scalar.All(2));
        Cv2.Add(frame, noise, frame);

        Assert.Equal(new Rect(45, 12, photo.Width, photo.Height), FrameContent.Bounds(frame, new Rect(0, 0, frame.Width, frame.Height)));
    }

    [Fact]
    public void Only_bands_that_reach_into_the_region_are_cut_off()
    {
        using var photo = TestPhotos.Astronaut();
        using var frame = new Mat();
        Cv2.CopyMakeBorder(photo, frame, 20, 20, 60, 60, BorderTypes.Constant, Scalar.All(0));

        // Inside the photo: no band reaches it, and the frame's edges stand.
        Assert.Equal(new Rect(0, 0, frame.Width, frame.Height), FrameContent.Bounds(frame, new Rect(200, 100, 100, 100)));
        // Reaching into the left bar only: that bar is cut off.
        Assert.Equal(new Rect(60, 0, frame.Width - 60, frame.Height), FrameContent.Bounds(frame, new Rect(30, 100, 100, 100)));
    }

    [Theory]
    [InlineData(60, 80)]
    [InlineData(61, 81)]
    public void A_flat_frame_is_all_content(int height, int width)
    {
        using var frame = new Mat(height, width, MatType.CV_8UC3, Scalar.All(90));
        Assert.Equal(new Rect(0, 0, width, height), FrameContent.Bounds(frame, new Rect(0, 0, width, height)));
        Assert.Equal(new Rect(0, 0, width, height), FrameContent.Bounds(frame, new Rect(10, 10, 20, 20)));
    }

    [Fact]
    public void A_band_takes_at_most_half_the_frame()
    {
        // The top two thirds flat, the rest varied: the band stops at the middle, so the content keeps the flat part
        // below it rather than vanishing.
        using var frame = new Mat(90, 60, MatType.CV_8UC1, Scalar.All(0));
        using (var varied = new Mat(frame, new Rect(0, 60, 60, 30)))
        {
            Cv2.Randu(varied, Scalar.All(0), Scalar.All(255));
        }

        Assert.Equal(new Rect(0, 45, 60, 45), FrameContent.Bounds(frame, new Rect(0, 0, frame.Width, frame.Height)));
    }
}
