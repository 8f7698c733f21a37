using PersonalFer.Tests;

namespace PersonalFer.Data.Tests;

/// <summary>
/// Reading a caller's stream within a limit: every byte arrives, whatever the stream's kind and size; one byte over
/// the limit is refused; a stream that knows its length is read into a buffer of exactly that size.
/// </summary>
public sealed class StreamBufferTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(81_920)]
    [InlineData(81_921)]
    [InlineData(300_001)]
    public async Task Seekable_and_forward_only_streams_give_every_byte_up_to_the_limit(int length)
    {
        var content = new byte[length];
        new Random(length).NextBytes(content);
        var limit = Math.Max(length, 1);

        Assert.Equal(content, StreamBuffer.ReadAll(new MemoryStream(content), limit));
        Assert.Equal(content, StreamBuffer.ReadAll(ForwardOnlyStream.Reading(content), limit));
        Assert.Equal(content, await StreamBuffer.ReadAllAsync(new MemoryStream(content), limit, CancellationToken.None));
        Assert.Equal(content, await StreamBuffer.ReadAllAsync(ForwardOnlyStream.Reading(content, asynchronousOnly: true), limit, CancellationToken.None));
    }

    [Fact]
    public async Task One_byte_over_the_limit_is_refused_with_the_limit_named()
    {
        var content = new byte[100_001];

        var seekable = Assert.Throws<InvalidDataException>(() => StreamBuffer.ReadAll(new MemoryStream(content), 100_000));
        var forwardOnly = await Assert.ThrowsAsync<InvalidDataException>(() => StreamBuffer.ReadAllAsync(ForwardOnlyStream.Reading(content), 100_000, CancellationToken.None));

        Assert.Contains("more than 100,000 bytes", seekable.Message, StringComparison.Ordinal);
        Assert.Contains("more than 100,000 bytes", forwardOnly.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stream_is_read_from_its_position_to_its_end()
    {
        var content = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        using var stream = new MemoryStream(content) { Position = 600 };

        Assert.Equal(content[600..], StreamBuffer.ReadAll(stream, 400));
    }
}
