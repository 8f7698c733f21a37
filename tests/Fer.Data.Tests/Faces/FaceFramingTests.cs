using System.Text.Json;

namespace PersonalFer.Data.Tests;

public sealed class FaceFramingTests
{
    [Theory]
    [InlineData(-0.01f)]
    [InlineData(1.01f)]
    [InlineData(float.NaN)]
    public void A_margin_outside_0_to_1_is_refused_when_set(float margin)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new FaceFraming { Margin = margin });
        Assert.Equal(nameof(FaceFraming.Margin), error.ParamName);
    }

    [Fact]
    public void Framings_compare_by_value_and_survive_json()
    {
        var levelled = new FaceFraming { Margin = 0.15f, AlignEyes = true };

        Assert.Equal(levelled, JsonSerializer.Deserialize<FaceFraming>(JsonSerializer.Serialize(levelled)));
        Assert.NotEqual(FaceFraming.DetectorBox, levelled);
        Assert.Equal(FaceFraming.DetectorBox, new FaceFraming());
        Assert.Equal((0f, false), (FaceFraming.DetectorBox.Margin, FaceFraming.DetectorBox.AlignEyes));
    }

    [Fact]
    public void A_margin_out_of_range_in_json_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => JsonSerializer.Deserialize<FaceFraming>("""{"Margin": 7, "AlignEyes": false}"""));
    }
}
