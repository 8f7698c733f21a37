using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace PersonalFer.Web.Tests;

/// <summary>A test's WebSocket to the app: sends frames and commands, reads replies by type.</summary>
public sealed class LiveClient : IAsyncDisposable
{
    private static readonly TimeSpan ReplyLimit = TimeSpan.FromSeconds(60);
    private readonly ClientWebSocket _socket = new();

    private LiveClient()
    {
    }

    /// <summary>Every reply read so far, in order.</summary>
    public List<JsonElement> Received { get; } = [];

    /// <summary>The underlying socket (to abort it).</summary>
    public ClientWebSocket Socket => _socket;

    public static async Task<LiveClient> ConnectAsync(Uri address)
    {
        var client = new LiveClient();
        await client._socket.ConnectAsync(address, TestContext.Current.CancellationToken);
        var ready = await client.NextAsync("ready");
        Assert.Equal(7, ready.GetProperty("expressions").GetArrayLength());
        return client;
    }

    public Task SendFrameAsync(byte[] frame) =>
        _socket.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, TestContext.Current.CancellationToken);

    public Task SendCommandAsync(object command) =>
        _socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(command), WebSocketMessageType.Text, endOfMessage: true, TestContext.Current.CancellationToken);

    public Task SendTextAsync(string text) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, TestContext.Current.CancellationToken);

    /// <summary>Reads replies until one of <paramref name="type"/> arrives (earlier ones stay in <see cref="Received"/>).</summary>
    public async Task<JsonElement> NextAsync(string type)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(ReplyLimit);
        while (true)
        {
            var message = await ReceiveAsync(limit.Token);
            if (message.GetProperty("type").GetString() == type)
            {
                return message;
            }
        }
    }

    /// <summary>The next reply of any type.</summary>
    public async Task<JsonElement> ReceiveAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        using var text = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await _socket.ReceiveAsync(buffer, cancellationToken);
            Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
            text.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);
        var message = JsonDocument.Parse(text.ToArray()).RootElement.Clone();
        Received.Add(message);
        return message;
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, limit.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                // The app closed first; nothing more to say.
            }
        }

        _socket.Dispose();
    }
}
