using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using PersonalFer.Data;

namespace PersonalFer.Web;

/// <summary>
/// One browser's WebSocket: JPEG frames in, JSON out, and the enrolment commands. Three loops share it: the receive
/// loop checks every message and queues frames, the worker classifies them, and the sender writes the replies. The
/// frame queue and the reply queue are bounded and drop their oldest entry when full, so a client that sends faster
/// than the server classifies, or reads slower than it answers, costs a fixed amount of memory. Everything the
/// connection holds (tracker, profile, captured frames, queues) goes when it ends, however it ends.
/// </summary>
internal sealed class LiveSession : IDisposable
{
    private const int MaxCommandBytes = 4096;
    private const int OutboundCapacity = 64;

    // Replies to commands and fine-tune progress: few, and each one matters to the page.
    private const int ControlCapacity = 256;

    // Replies round probabilities: four decimals are more than a bar chart shows and keep a face's JSON short.
    private const int Decimals = 4;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);
    private static int s_lastId;

    private readonly WebSocket _socket;
    private readonly FerService _fer;
    private readonly ProfileStore _store;
    private readonly FineTuneSlots _slots;
    private readonly FerWebOptions _options;
    private readonly ServerStats _stats;
    private readonly ILogger _logger;
    private readonly Channel<Frame> _frames;
    private readonly Channel<byte[]> _outbound;
    private readonly Channel<byte[]> _control;
    private readonly CancellationTokenSource _closing = new();

    // Guards the user's state below between the receive loop (commands), the worker (frames) and a fine-tune.
    private readonly SemaphoreSlim _state = new(1, 1);
    private readonly ExpressionTracker _generalTracker = new();
    private readonly ExpressionTracker _personalTracker = new();
    private readonly List<Sample> _samples = [];
    private string? _name;
    private PersonalProfile? _profile;
    private Expression? _pendingCapture;
    private long _captureAfterFrame;
    private Task _fineTune = Task.CompletedTask;

    // Counted by the receive loop (the queue's drop callback runs inside its TryWrite) and the worker; read for replies.
    private long _received;
    private long _queueDropped;
    private long _rateDropped;
    private long _rejected;
    private double _tokens;
    private long _lastRefill = Stopwatch.GetTimestamp();

    public LiveSession(WebSocket socket, FerService fer, ProfileStore store, FineTuneSlots slots, FerWebOptions options, ServerStats stats, ILogger logger)
    {
        _socket = socket;
        _fer = fer;
        _store = store;
        _slots = slots;
        _options = options;
        _stats = stats;
        _logger = logger;
        _tokens = options.MaxFramesPerSecond;
        _frames = Channel.CreateBounded<Frame>(
            new BoundedChannelOptions(options.QueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
            _ =>
            {
                Interlocked.Increment(ref _queueDropped);
                _stats.FrameDropped();
            });
        _outbound = Channel.CreateBounded<byte[]>(
            new BoundedChannelOptions(OutboundCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        _control = Channel.CreateBounded<byte[]>(
            new BoundedChannelOptions(ControlCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    }

    /// <summary>This connection's number in the log.</summary>
    public int Id { get; } = Interlocked.Increment(ref s_lastId);

    /// <summary>Serves the connection until the browser closes it, it breaks, or the server stops.</summary>
    public async Task RunAsync(CancellationToken aborted)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, _closing.Token);
        var cancellation = linked.Token;
        var worker = Task.Run(() => WorkAsync(cancellation), CancellationToken.None);
        var sender = Task.Run(() => SendAsync(cancellation), CancellationToken.None);
        Post(new
        {
            type = "ready",
            expressions = Expressions.All.Select(e => e.ToString()),
            limits = new { _options.MaxFrameBytes, _options.MaxFramePixels, _options.MaxFramesPerSecond, _options.QueueCapacity, _options.MaxEnrolmentFrames },
        });
        try
        {
            await ReceiveAsync(cancellation);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The browser went away without a close handshake (tab closed, network lost) or the server is stopping.
        }
        finally
        {
            await _closing.CancelAsync();
            _frames.Writer.TryComplete();
            _outbound.Writer.TryComplete();
            _control.Writer.TryComplete();
            // The receive loop, the only one that starts fine-tunes, has ended: _fineTune is final.
            await Task.WhenAll(worker, sender, _fineTune).ContinueWith(_ => { }, TaskScheduler.Default);
            foreach (var failure in new[] { worker, sender, _fineTune }.Select(t => t.Exception?.InnerException).OfType<Exception>())
            {
                if (failure is not (OperationCanceledException or WebSocketException))
                {
                    Log.SessionFailed(_logger, Id, failure);
                }
            }

            await CloseAsync();
            Log.ConnectionClosed(_logger, Id, _received, _queueDropped + _rateDropped, _rejected);
        }
    }

    /// <summary>Releases the profile and the captured frames; call after <see cref="RunAsync"/> has returned.</summary>
    public void Dispose()
    {
        _profile?.Dispose();
        _profile = null;
        _samples.Clear();
        _state.Dispose();
        _closing.Dispose();
    }

    private async Task ReceiveAsync(CancellationToken cancellation)
    {
        var limit = Math.Max(_options.MaxFrameBytes, MaxCommandBytes);
        var buffer = ArrayPool<byte>.Shared.Rent(limit);
        try
        {
            while (true)
            {
                var (type, count, tooLarge) = await ReceiveMessageAsync(buffer, limit, cancellation);
                if (type == WebSocketMessageType.Close)
                {
                    return;
                }

                if (type == WebSocketMessageType.Binary)
                {
                    OnFrame(buffer, count, tooLarge);
                }
                else
                {
                    await OnCommandAsync(buffer, count, tooLarge, cancellation);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>One whole message into <paramref name="buffer"/>; a longer one is read to its end and reported as too large.</summary>
    private async Task<(WebSocketMessageType Type, int Count, bool TooLarge)> ReceiveMessageAsync(byte[] buffer, int limit, CancellationToken cancellation)
    {
        var count = 0;
        var tooLarge = false;
        while (true)
        {
            if (count == limit)
            {
                // Past the limit the rest is read over the buffer's start only to reach the message's end.
                tooLarge = true;
                count = 0;
            }

            var result = await _socket.ReceiveAsync(buffer.AsMemory(count, limit - count), cancellation);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (WebSocketMessageType.Close, 0, false);
            }

            count += result.Count;
            if (result.EndOfMessage)
            {
                return (result.MessageType, count, tooLarge);
            }
        }
    }

    private void OnFrame(byte[] buffer, int count, bool tooLarge)
    {
        var number = ++_received;
        _stats.FrameReceived();
        if (tooLarge || count > _options.MaxFrameBytes)
        {
            Reject(number, "frame-too-large", $"The frame is larger than {_options.MaxFrameBytes:N0} bytes, the most this server accepts.");
            return;
        }

        if (!TakeRateToken())
        {
            Interlocked.Increment(ref _rateDropped);
            _stats.FrameDropped();
            return;
        }

        var encoded = buffer.AsSpan(0, count);
        if (!ImageHeader.TryReadSize(encoded, out var width, out var height))
        {
            Reject(number, "not-an-image", "Frames must be JPEG or PNG images.");
            return;
        }

        if ((long)width * height > _options.MaxFramePixels)
        {
            Reject(number, "too-many-pixels", $"The frame is {width}×{height}; at most {_options.MaxFramePixels:N0} pixels are accepted.");
            return;
        }

        // DropOldest: the write always succeeds, and a frame pushed out is counted by the queue's callback.
        _frames.Writer.TryWrite(new Frame(number, encoded.ToArray(), Stopwatch.GetTimestamp()));
    }

    /// <summary>A token bucket of <see cref="FerWebOptions.MaxFramesPerSecond"/> per second, a second's worth deep.</summary>
    private bool TakeRateToken()
    {
        var now = Stopwatch.GetTimestamp();
        var rate = _options.MaxFramesPerSecond;
        _tokens = Math.Min(rate, _tokens + (Stopwatch.GetElapsedTime(_lastRefill, now).TotalSeconds * rate));
        _lastRefill = now;
        if (_tokens < 1)
        {
            return false;
        }

        _tokens--;
        return true;
    }

    private async Task OnCommandAsync(byte[] buffer, int count, bool tooLarge, CancellationToken cancellation)
    {
        if (tooLarge || count > MaxCommandBytes)
        {
            PostError("command-too-large", $"Text messages are commands of at most {MaxCommandBytes:N0} bytes.");
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(buffer.AsMemory(0, count));
        }
        catch (JsonException)
        {
            PostError("bad-command", "Text messages must be JSON commands such as {\"type\":\"hello\",\"name\":\"Ann\"}.");
            return;
        }

        using (document)
        {
            var command = document.RootElement;
            await _state.WaitAsync(cancellation);
            try
            {
                switch (Text(command, "type"))
                {
                    case "hello":
                        await HelloAsync(Text(command, "name"), cancellation);
                        break;
                    case "start-enrolment":
                        StartEnrolment();
                        break;
                    case "capture":
                        Capture(Text(command, "expression"));
                        break;
                    case "personalize":
                        Personalize();
                        break;
                    case "delete":
                        await DeleteAsync(cancellation);
                        break;
                    case var other:
                        PostError("bad-command", $"Unknown command '{other}'; known: hello, start-enrolment, capture, personalize, delete.");
                        break;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A command that fails (unreadable text in it, the database unavailable) is answered; the connection lives on.
                Log.CommandFailed(_logger, Id, e);
                PostError("command-failed", $"The command could not be carried out: {e.Message}");
            }
            finally
            {
                _state.Release();
            }
        }
    }

    private async Task HelloAsync(string? name, CancellationToken cancellation)
    {
        if (!FineTuneIdle())
        {
            return;
        }

        name = name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > _options.MaxNameLength || name.Any(char.IsControl))
        {
            PostError("bad-name", $"A name has 1 to {_options.MaxNameLength} characters and no control characters.");
            return;
        }

        _name = name;
        _samples.Clear();
        _pendingCapture = null;
        ReplaceProfile(null);
        if (await _store.LoadAsync(name, cancellation) is { } bytes)
        {
            try
            {
                ReplaceProfile(_fer.FromBytes(bytes));
            }
            catch (ProfileFormatException e)
            {
                // A profile made for another model (the server's model was replaced): the user enrols again.
                Log.StoredProfileUnusable(_logger, name, e.Message);
            }
        }

        PostProfile();
    }

    private void StartEnrolment()
    {
        if (RequireName() && FineTuneIdle())
        {
            _samples.Clear();
            _pendingCapture = null;
            Post(new { type = "enrolment", name = _name, captured = 0 });
        }
    }

    private void Capture(string? expression)
    {
        if (!RequireName() || !FineTuneIdle())
        {
            return;
        }

        if (!Enum.TryParse<Expression>(expression, ignoreCase: true, out var label) || !Enum.IsDefined(label) || int.TryParse(expression, out _))
        {
            PostError("bad-expression", $"'{expression}' is not one of {string.Join(", ", Expressions.All)}.");
            return;
        }

        if (_samples.Count >= _options.MaxEnrolmentFrames)
        {
            PostError("enrolment-full", $"An enrolment takes at most {_options.MaxEnrolmentFrames} frames; personalize or start again.");
            return;
        }

        // The next frame that arrived after this command and shows a face becomes the sample.
        _pendingCapture = label;
        _captureAfterFrame = _received;
    }

    private void Personalize()
    {
        if (!RequireName() || !FineTuneIdle())
        {
            return;
        }

        if (_samples.Count == 0)
        {
            PostError("no-captures", "Capture some frames first.");
            return;
        }

        var samples = _samples.ToArray();
        _samples.Clear();
        _pendingCapture = null;
        var name = _name!;
        _fineTune = Task.Run(() => FineTuneAsync(name, samples, _closing.Token), CancellationToken.None);
    }

    private async Task FineTuneAsync(string name, Sample[] samples, CancellationToken cancellation)
    {
        _stats.FineTuneStarted();
        try
        {
            if (!_slots.AnyFree)
            {
                Post(new { type = "progress", stage = "Waiting", completed = 0, total = 0, percent = 0 });
            }

            await _slots.WaitAsync(cancellation);
            try
            {
                var started = Stopwatch.StartNew();
                var labelled = samples.Select((s, i) => new LabelledImage(FerService.ToImage(s.Bytes), s.Label, $"{s.Label} capture {i + 1}")).ToArray();
                var result = await _fer.FineTuneAsync(labelled, name, new ProgressMessages(this), cancellation);
                var profile = result.Profile;
                try
                {
                    var bytes = FerService.ToBytes(profile);
                    await _store.SaveAsync(name, bytes, profile.Created, result.FacesUsed, cancellation);
                    Log.ProfileStored(_logger, name, result.FacesUsed, started.Elapsed.TotalSeconds);
                    await _state.WaitAsync(cancellation);
                    try
                    {
                        ReplaceProfile(profile);
                        profile = null;
                        Post(new { type = "personalized", name, faces = result.FacesUsed, withoutFace = result.SamplesWithoutFace.Count, seconds = started.Elapsed.TotalSeconds, bytes = bytes.Length });
                        PostProfile();
                    }
                    finally
                    {
                        _state.Release();
                    }
                }
                finally
                {
                    profile?.Dispose();
                }
            }
            finally
            {
                _slots.Release();
            }
        }
        catch (PersonalizationException e)
        {
            Log.FineTuneFailed(_logger, name, e.Message);
            PostError("personalization-failed", e.Message);
        }
        catch (FrameRejectedException e)
        {
            PostError(e.Code, e.Message);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The connection ended while fine-tuning: nothing is stored.
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Anything else (a head that cannot be saved, the database unavailable) still ends the page's wait.
            Log.FineTuneFailed(_logger, name, e.Message);
            PostError("personalization-failed", $"The profile could not be made or stored: {e.Message}");
        }
        finally
        {
            _stats.FineTuneEnded();
        }
    }

    private async Task DeleteAsync(CancellationToken cancellation)
    {
        if (!RequireName() || !FineTuneIdle())
        {
            return;
        }

        ReplaceProfile(null);
        var removed = await _store.DeleteAsync(_name!, cancellation);
        if (removed)
        {
            Log.ProfileDeleted(_logger, _name!);
        }

        Post(new { type = "deleted", name = _name, removed });
        PostProfile();
    }

    private async Task WorkAsync(CancellationToken cancellation)
    {
        await foreach (var frame in _frames.Reader.ReadAllAsync(cancellation))
        {
            await _state.WaitAsync(cancellation);
            try
            {
                Process(frame);
            }
            finally
            {
                _state.Release();
            }
        }
    }

    private void Process(Frame frame)
    {
        FrameExpressions result;
        try
        {
            result = _fer.Classify(frame.Bytes, _profile);
        }
        catch (FrameRejectedException e)
        {
            Interlocked.Increment(ref _rejected);
            _stats.FrameRejected();
            Post(new { type = "error", code = e.Code, message = e.Message, frame = frame.Number });
            return;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // One frame that fails inside the library must not stop this connection's classification.
            Log.FrameFailed(_logger, Id, frame.Number, e);
            Interlocked.Increment(ref _rejected);
            _stats.FrameRejected();
            Post(new { type = "error", code = "frame-failed", message = e.Message, frame = frame.Number });
            return;
        }

        _stats.FrameClassified();
        var general = _generalTracker.Update(result.General);
        // With a profile, a frame without faces still ages the personal tracks, as it does the general ones.
        var personal = result.Personal is not null ? _personalTracker.Update(result.Personal) : _profile is not null ? _personalTracker.Update([]) : null;
        if (_pendingCapture is { } label && frame.Number > _captureAfterFrame && result.General.Count > 0)
        {
            _samples.Add(new Sample(frame.Bytes, label));
            _pendingCapture = null;
            Post(new { type = "captured", expression = label.ToString(), count = _samples.Count(s => s.Label == label), total = _samples.Count });
        }

        PostResult(new
        {
            type = "result",
            frame = frame.Number,
            width = result.Width,
            height = result.Height,
            serverMs = Math.Round(Stopwatch.GetElapsedTime(frame.ReceivedTicks).TotalMilliseconds, 1),
            dropped = new { queue = Interlocked.Read(ref _queueDropped), rate = Interlocked.Read(ref _rateDropped) },
            rejected = Interlocked.Read(ref _rejected),
            profile = _profile is null ? null : _name,
            faces = general.Select((face, i) => new
            {
                track = face.TrackId,
                box = new { x = face.Frame.Box.X, y = face.Frame.Box.Y, width = face.Frame.Box.Width, height = face.Frame.Box.Height },
                expression = face.Expression.ToString(),
                confidence = Math.Round(face.Confidence, Decimals),
                probabilities = Rounded(face.Probabilities),
                personal = personal is null ? null : new
                {
                    expression = personal[i].Expression.ToString(),
                    confidence = Math.Round(personal[i].Confidence, Decimals),
                    probabilities = Rounded(personal[i].Probabilities),
                },
            }),
        });
    }

    private async Task SendAsync(CancellationToken cancellation)
    {
        // Replies and progress go first and never wait behind results, which are dropped (oldest first) when the
        // browser reads slowly.
        while (true)
        {
            if (_control.Reader.TryRead(out var message) || _outbound.Reader.TryRead(out message))
            {
                await _socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, cancellation);
                continue;
            }

            var control = _control.Reader.WaitToReadAsync(cancellation).AsTask();
            var results = _outbound.Reader.WaitToReadAsync(cancellation).AsTask();
            var first = await Task.WhenAny(control, results);
            if (!await first && !await (first == control ? results : control))
            {
                return;
            }
        }
    }

    private async Task CloseAsync()
    {
        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var timeout = new CancellationTokenSource(CloseTimeout);
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                // The peer is gone; there is nobody to tell.
            }
        }
    }

    private void ReplaceProfile(PersonalProfile? profile)
    {
        _profile?.Dispose();
        _profile = profile;
        _personalTracker.Reset();
    }

    private bool RequireName()
    {
        if (_name is null)
        {
            PostError("no-name", "Say who you are first: {\"type\":\"hello\",\"name\":\"…\"}.");
        }

        return _name is not null;
    }

    private bool FineTuneIdle()
    {
        if (!_fineTune.IsCompleted)
        {
            PostError("busy", "Your profile is being fine-tuned; wait until it is done.");
        }

        return _fineTune.IsCompleted;
    }

    private void PostProfile() => Post(new
    {
        type = "profile",
        name = _name,
        exists = _profile is not null,
        created = _profile?.Created,
        facesPerExpression = _profile?.FacesPerExpression,
    });

    private void Reject(long frame, string code, string message)
    {
        Interlocked.Increment(ref _rejected);
        _stats.FrameRejected();
        Post(new { type = "error", code, message, frame });
    }

    private void PostError(string code, string message) => Post(new { type = "error", code, message });

    private void Post<T>(T message) => _control.Writer.TryWrite(JsonSerializer.SerializeToUtf8Bytes(message, Json));

    private void PostResult<T>(T message) => _outbound.Writer.TryWrite(JsonSerializer.SerializeToUtf8Bytes(message, Json));

    private static double[] Rounded(IReadOnlyList<float> values) => [.. values.Select(v => Math.Round(v, Decimals))];

    private static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private sealed record Frame(long Number, byte[] Bytes, long ReceivedTicks);

    private sealed record Sample(byte[] Bytes, Expression Label);

    /// <summary>Fine-tune progress as messages, one per whole percent so a fast stage does not flood the reply queue.</summary>
    private sealed class ProgressMessages(LiveSession session) : IProgress<PersonalizationProgress>
    {
        private int _lastPercent = -1;

        public void Report(PersonalizationProgress value)
        {
            // Finding faces is the first half of the bar, training the head the second.
            var stageStart = value.Stage == PersonalizationStage.FindingFaces ? 0 : 50;
            var percent = stageStart + (value.Total == 0 ? 50 : 50 * value.Completed / value.Total);
            if (percent == _lastPercent)
            {
                return;
            }

            _lastPercent = percent;
            session.Post(new { type = "progress", stage = value.Stage.ToString(), completed = value.Completed, total = value.Total, percent });
        }
    }
}
