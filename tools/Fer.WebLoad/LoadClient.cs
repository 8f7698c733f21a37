using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;

namespace PersonalFer.WebLoad;

/// <summary>
/// One simulated browser: sends the clip's frames at a fixed rate over its own WebSocket, as the page does, and times
/// each frame from send to the server's result. The server numbers frames in arrival order, so the n-th frame sent
/// is the result's frame n.
/// </summary>
internal sealed class LoadClient(Uri address, IReadOnlyList<byte[]> frames, double framesPerSecond, int offset)
{
    private readonly Dictionary<long, long> _sentAt = [];
    private readonly List<double> _latencies = [];

    public int Sent { get; private set; }

    public int Answered => _latencies.Count;

    /// <summary>Frames the server reported dropped (queue full or over the rate), from its last result.</summary>
    public long Dropped { get; private set; }

    public long Rejected { get; private set; }

    public IReadOnlyList<double> LatenciesMs => _latencies;

    public async Task RunAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(address, cancellationToken);
        var receiving = ReceiveAsync(socket, cancellationToken);
        var clock = Stopwatch.StartNew();
        var interval = TimeSpan.FromSeconds(1 / framesPerSecond);
        while (clock.Elapsed < duration)
        {
            var frame = frames[(offset + Sent) % frames.Count];
            lock (_sentAt)
            {
                _sentAt[Sent + 1] = Stopwatch.GetTimestamp();
            }

            await socket.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken);
            Sent++;
            var next = interval * Sent;
            if (next > clock.Elapsed)
            {
                await Task.Delay(next - clock.Elapsed, cancellationToken);
            }
        }

        // Replies to the last frames, then a clean close.
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
        await receiving;
    }

    private async Task ReceiveAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            WebSocketReceiveResult result;
            try
            {
                result = await socket.ReceiveAsync(buffer, cancellationToken);
            }
            catch (WebSocketException)
            {
                return;
            }

            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            message.Write(buffer, 0, result.Count);
            if (!result.EndOfMessage)
            {
                continue;
            }

            var received = Stopwatch.GetTimestamp();
            using (var document = JsonDocument.Parse(message.ToArray()))
            {
                var root = document.RootElement;
                if (root.GetProperty("type").GetString() == "result")
                {
                    long sent;
                    lock (_sentAt)
                    {
                        _sentAt.Remove(root.GetProperty("frame").GetInt64(), out sent);
                    }

                    _latencies.Add(Stopwatch.GetElapsedTime(sent, received).TotalMilliseconds);
                    var dropped = root.GetProperty("dropped");
                    Dropped = dropped.GetProperty("queue").GetInt64() + dropped.GetProperty("rate").GetInt64();
                    Rejected = root.GetProperty("rejected").GetInt64();
                }
            }

            message.SetLength(0);
        }
    }
}
