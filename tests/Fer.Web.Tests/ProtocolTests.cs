using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;

namespace PersonalFer.Web.Tests;

/// <summary>
/// The WebSocket protocol against the running app, with the shipped model and a real SQLite file: results for a real
/// face, every kind of bad message answered without losing the connection, frames dropped (not queued) when sent
/// faster than the server classifies, the connection limit, a broken connection releasing its place, and enrolment
/// end to end.
/// </summary>
public sealed class ProtocolTests(WebAppFixture app) : IClassFixture<WebAppFixture>
{
    private static readonly string[] ExpressionNames = ["Angry", "Disgust", "Fear", "Happy", "Sad", "Surprise", "Neutral"];

    [Fact]
    public async Task A_frame_with_a_face_gets_its_box_track_expression_and_seven_probabilities()
    {
        await using var client = await LiveClient.ConnectAsync(app.WebSocketAddress);
        await client.SendFrameAsync(TestFrames.Astronaut);
        var result = await client.NextAsync("result");

        Assert.Equal(1, result.GetProperty("frame").GetInt64());
        Assert.Equal(512, result.GetProperty("width").GetInt32());
        var face = Assert.Single(result.GetProperty("faces").EnumerateArray());
        Assert.Equal(1, face.GetProperty("track").GetInt32());
        var box = face.GetProperty("box");
        // Her face is about 90 × 110 pixels around (227, 118).
        Assert.InRange(box.GetProperty("x").GetInt32() + (box.GetProperty("width").GetInt32() / 2), 190, 265);
        Assert.InRange(box.GetProperty("y").GetInt32() + (box.GetProperty("height").GetInt32() / 2), 80, 160);
        Assert.Contains(face.GetProperty("expression").GetString(), ExpressionNames);
        var probabilities = face.GetProperty("probabilities").EnumerateArray().Select(p => p.GetDouble()).ToArray();
        Assert.Equal(7, probabilities.Length);
        Assert.InRange(probabilities.Sum(), 0.99, 1.01);
        Assert.Equal(JsonValueKind.Null, face.GetProperty("personal").ValueKind);
    }

    [Fact]
    public async Task Bytes_that_are_not_an_image_get_an_error_and_the_connection_goes_on()
    {
        await using var client = await LiveClient.ConnectAsync(app.WebSocketAddress);
        await client.SendFrameAsync("GIF89a, or anything that is not a JPEG or PNG"u8.ToArray());
        var error = await client.NextAsync("error");
        Assert.Equal("not-an-image", error.GetProperty("code").GetString());
        Assert.Equal(1, error.GetProperty("frame").GetInt64());

        await client.SendFrameAsync(TestFrames.Astronaut);
        var result = await client.NextAsync("result");
        Assert.Equal(2, result.GetProperty("frame").GetInt64());
        Assert.Single(result.GetProperty("faces").EnumerateArray());
        Assert.Equal(1, result.GetProperty("rejected").GetInt64());
    }

    [Fact]
    public async Task A_JPEG_whose_data_is_garbage_gets_an_error_from_the_decoder_and_the_connection_goes_on()
    {
        await using var client = await LiveClient.ConnectAsync(app.WebSocketAddress);
        // A valid header (the size is read from it) followed by bytes that are no JPEG stream.
        var jpeg = TestFrames.Astronaut;
        var broken = jpeg.AsSpan(0, 200).ToArray().Concat(Enumerable.Repeat((byte)0xFF, 5000)).ToArray();
        await client.SendFrameAsync(broken);
        await client.SendFrameAsync(jpeg);
        var result = await client.NextAsync("result");
        Assert.Equal(2, result.GetProperty("frame").GetInt64());
        var error = Assert.Single(client.Received, m => m.GetProperty("type").GetString() == "error");
        Assert.Equal("not-an-image", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_frame_over_the_byte_limit_gets_an_error_and_the_connection_goes_on()
    {
        await using var client = await LiveClient.ConnectAsync(app.WebSocketAddress);
        var huge = TestFrames.Astronaut.Concat(new byte[600 * 1024]).ToArray(); // the limit is 512 KB
        await client.SendFrameAsync(huge);
        var error = await client.NextAsync("error");
        Assert.Equal("frame-too-large", error.GetProperty("code").GetString());

        await client.SendFrameAsync(TestFrames.Astronaut);
        Assert.Single((await client.NextAsync("result")).GetProperty("faces").EnumerateArray());
    }

    [Fact]
    public async Task A_frame_over_the_pixel_limit_is_refused_from_its_header_and_the_connection_goes_on()
    {
        await using var client = await LiveClient.ConnectAsync(app.WebSocketAddress);
        var large = TestFrames.Blank(1600, 1200); // 1.9 megapixels in a few kilobytes; the limit is 1280×720
        Assert.True(large.Length < 100_000);
        await client.SendFrameAsync(large);
        var error = await client.NextAsync("error");
        Assert.Equal("too-many-pixels", error.GetProperty("code").GetString());
        Assert.Contains("1600×1200", error.GetProperty("message").GetString(), StringComparison.Ordinal);

        await client.SendFrameAsync(TestFrames.Astronaut);
        Assert.Single((await client.NextAsync("result")).GetProperty("faces").EnumerateArray());
    }

    [Fact]
    public async Task Bad_commands_get_an_error_and_the_connection_goes_on()
    {
        await using var client = await LiveClient.ConnectAsync(app.WebSocketAddress);
        await client.SendTextAsync("not json");
        Assert.Equal("bad-command", (await client.NextAsync("error")).GetProperty("code").GetString());
        await client.SendCommandAsync(new { type = "dance" });
        Assert.Equal("bad-command", (await client.NextAsync("error")).GetProperty("code").GetString());
        await client.SendCommandAsync(new { type = "capture", expression = "Happy" });
        Assert.Equal("no-name", (await client.NextAsync("error")).GetProperty("code").GetString());
        await client.SendCommandAsync(new { type = "hello", name = "   " });
        Assert.Equal("bad-name", (await client.NextAsync("error")).GetProperty("code").GetString());
        await client.SendCommandAsync(new { type = "hello", name = "Nobody yet" });
        Assert.False((await client.NextAsync("profile")).GetProperty("exists").GetBoolean());
        await client.SendCommandAsync(new { type = "capture", expression = "Bored" });
        Assert.Equal("bad-expression", (await client.NextAsync("error")).GetProperty("code").GetString());
        await client.SendCommandAsync(new { type = "personalize" });
        Assert.Equal("no-captures", (await client.NextAsync("error")).GetProperty("code").GetString());

        await client.SendFrameAsync(TestFrames.Astronaut);
        Assert.Single((await client.NextAsync("result")).GetProperty("faces").EnumerateArray());
    }

    [Fact]
    public async Task Frames_sent_faster_than_the_server_answers_are_dropped_and_counted_not_queued()
    {
        const int Burst = 60;
        await using var client = await LiveClient.ConnectAsync(app.WebSocketAddress);
        for (var i = 0; i < Burst; i++)
        {
            await client.SendFrameAsync(TestFrames.Astronaut);
        }

        // After a second's pause (the rate limit refills) one more frame: the queue drops the oldest, never the
        // newest, so it is classified, and its reply counts everything dropped before it.
        await Task.Delay(TimeSpan.FromSeconds(1.1), TestContext.Current.CancellationToken);
        await client.SendFrameAsync(TestFrames.Astronaut);
        JsonElement last;
        do
        {
            last = await client.NextAsync("result");
        }
        while (last.GetProperty("frame").GetInt64() <= Burst);

        var results = client.Received.Count(m => m.GetProperty("type").GetString() == "result");
        var dropped = last.GetProperty("dropped");
        var droppedCount = dropped.GetProperty("queue").GetInt64() + dropped.GetProperty("rate").GetInt64();
        Assert.True(results < Burst, $"{results} of {Burst} frames sent at once were classified: none was dropped.");
        Assert.Equal(Burst + 1, results + droppedCount);
        Assert.Equal(0, last.GetProperty("rejected").GetInt64());
    }

    [Fact]
    public async Task Connections_over_the_limit_are_refused_with_503_and_those_open_keep_working()
    {
        const int Limit = 32; // appsettings.json: FerWeb:MaxConnections
        var open = new List<LiveClient>();
        try
        {
            while (await ConnectionsAsync() < Limit)
            {
                open.Add(await LiveClient.ConnectAsync(app.WebSocketAddress));
            }

            Assert.Equal(Limit, await ConnectionsAsync());
            using var refused = new ClientWebSocket();
            refused.Options.CollectHttpResponseDetails = true;
            await Assert.ThrowsAsync<WebSocketException>(() => refused.ConnectAsync(app.WebSocketAddress, TestContext.Current.CancellationToken));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.HttpStatusCode);

            await open[0].SendFrameAsync(TestFrames.Astronaut);
            Assert.Single((await open[0].NextAsync("result")).GetProperty("faces").EnumerateArray());
        }
        finally
        {
            foreach (var client in open)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_connection_that_breaks_releases_its_place()
    {
        var before = await ConnectionsAsync();
        var client = await LiveClient.ConnectAsync(app.WebSocketAddress);
        await client.SendFrameAsync(TestFrames.Astronaut);
        await client.NextAsync("result");
        Assert.Equal(before + 1, await ConnectionsAsync());

        client.Socket.Abort(); // no close handshake, as when a tab is killed
        await client.DisposeAsync();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await ConnectionsAsync() != before && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Equal(before, await ConnectionsAsync());
    }

    [Fact]
    public async Task Enrolment_stores_only_the_profile_file_in_SQLite_then_shows_personal_predictions_and_delete_removes_it()
    {
        const string Name = "Eileen";
        await using var client = await LiveClient.ConnectAsync(app.WebSocketAddress);
        await client.SendCommandAsync(new { type = "hello", name = Name });
        Assert.False((await client.NextAsync("profile")).GetProperty("exists").GetBoolean());
        await client.SendCommandAsync(new { type = "start-enrolment" });
        await client.NextAsync("enrolment");
        foreach (var expression in ExpressionNames)
        {
            await client.SendCommandAsync(new { type = "capture", expression });
            await client.SendFrameAsync(TestFrames.Astronaut);
            var captured = await client.NextAsync("captured");
            Assert.Equal(expression, captured.GetProperty("expression").GetString());
        }

        await client.SendCommandAsync(new { type = "personalize" });
        var personalized = await client.NextAsync("personalized");
        Assert.Equal(7, personalized.GetProperty("faces").GetInt32());
        var progress = client.Received.Where(m => m.GetProperty("type").GetString() == "progress").Select(m => m.GetProperty("percent").GetInt32()).ToArray();
        Assert.NotEmpty(progress);
        Assert.Equal(progress.Order(), progress);
        Assert.True((await client.NextAsync("profile")).GetProperty("exists").GetBoolean());

        var stored = ProfileRow(Name);
        Assert.NotNull(stored);
        Assert.Equal(personalized.GetProperty("bytes").GetInt32(), stored.Length);
        Assert.Equal(["head.bin", "profile.json"], ProfileEntries(stored));

        await client.SendFrameAsync(TestFrames.Astronaut);
        var face = Assert.Single((await client.NextAsync("result")).GetProperty("faces").EnumerateArray());
        Assert.Equal(7, face.GetProperty("personal").GetProperty("probabilities").GetArrayLength());

        // A new connection naming the same person loads the stored profile.
        await using (var again = await LiveClient.ConnectAsync(app.WebSocketAddress))
        {
            await again.SendCommandAsync(new { type = "hello", name = Name });
            var profile = await again.NextAsync("profile");
            Assert.True(profile.GetProperty("exists").GetBoolean());
            Assert.Equal(7, profile.GetProperty("facesPerExpression").EnumerateArray().Sum(f => f.GetInt32()));
        }

        await client.SendCommandAsync(new { type = "delete" });
        Assert.True((await client.NextAsync("deleted")).GetProperty("removed").GetBoolean());
        Assert.Null(ProfileRow(Name));
        await client.SendFrameAsync(TestFrames.Astronaut);
        face = Assert.Single((await client.NextAsync("result")).GetProperty("faces").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, face.GetProperty("personal").ValueKind);
    }

    private async Task<int> ConnectionsAsync()
    {
        using var http = new HttpClient { BaseAddress = app.BaseAddress };
        var stats = await http.GetFromJsonAsync<JsonElement>("api/stats", TestContext.Current.CancellationToken);
        return stats.GetProperty("connections").GetInt32();
    }

    private byte[]? ProfileRow(string name) => ProfileDatabase.Row(app.DatabasePath, name);

    private static string[] ProfileEntries(byte[] profile) => ProfileDatabase.Entries(profile);
}
