using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using PersonalFer.Data;
using PersonalFer.Model.Networks;
using static TorchSharp.torch;

namespace PersonalFer.Model;

/// <summary>
/// An expression CNN on the CPU with its manifest. Faces go in as 48×48 grayscale bytes (row-major, one face after
/// another) and probabilities come out as arrays, so no tensor crosses the API.
/// </summary>
/// <remarks>
/// Thread-safe: any number of pipelines, personalizers and threads may share one instance. Inference calls run
/// side by side, each with the libtorch threads <see cref="Threading"/> gives it (by default one for a frame's
/// faces, so concurrent streams use one core each). Training (<see cref="Trainer"/>) changes the weights in place:
/// inference waits for no one and fails with <see cref="InvalidOperationException"/> until training ends.
/// <see cref="Dispose"/> waits for running calls.
/// </remarks>
/// <remarks>
/// Inference (classification, evaluation, feature extraction) runs a copy of the network made for it: BatchNorm
/// folded into the convolutions, convolution weights channels-last (what oneDNN's convolutions are fastest on) and
/// in <see cref="Precision"/>: bfloat16 where the CPU computes it natively, else float32. Training always uses the
/// float32 network itself.
/// </remarks>
public sealed class ExpressionModel : IDisposable
{
    private const string DefaultModelResource = "PersonalFer.Model.default.fermodel";

    // What the model-loaded event names as the source of the shipped model (there is no file).
    private const string EmbeddedSource = "embedded";
    // What errors call a model stream that is not a file.
    private const string StreamSource = "model stream";

    private InferencePrecision _precision = CpuFeatures.HasNativeBFloat16 ? InferencePrecision.BFloat16 : InferencePrecision.Float32;

    // The network as inference runs it (InferenceNetwork), in _precision. Rebuilt whenever the weights or the
    // precision change.
    private InferenceNetwork? _inferenceCopy;

    // Serializes every use of the trained network's modules, and the inference copy's replacement or disposal.
    private readonly Lock _gate = new();

    // Inference calls share the read-only inference copy (read lock); replacing or disposing it waits for them
    // (write lock, taken inside _gate). Never disposed: a call may still be waiting on it when the model is disposed.
    private readonly ReaderWriterLockSlim _copyLock = new();

    // Pixel byte → normalized network input, made by the normalization ops themselves (FaceTensors), so a
    // classification converts its faces with one table lookup per pixel and exactly the same values.
    private readonly float[] _normalizedPixel;

    private InferenceThreading _threading = new();

    private string? _fingerprint;
    private bool _weightsChanging;
    private bool _disposed;

    private ExpressionModel(ModelManifest manifest, FerNetwork network)
    {
        Manifest = manifest;
        Network = network;
        Network.eval();
        _normalizedPixel = FaceTensors.NormalizationTable(manifest);
        RefreshInferenceCopy();
    }

    private ExpressionModel(LoadedModel loaded)
        : this(loaded.Manifest, loaded.Network)
    {
        if (loaded.Replay is { } replay)
        {
            GeneralReplay = new FaceFeatures(replay.Values, replay.Labels, Network.FeatureSize, Fingerprint());
        }
    }

    /// <summary>What the model is and where it came from.</summary>
    public ModelManifest Manifest { get; private set; }

    /// <summary>Which network this is.</summary>
    public ModelArchitecture Architecture => Manifest.Architecture;

    /// <summary>How faces must be cropped from a frame for this model (<see cref="ModelManifest.Framing"/>).</summary>
    public FaceFraming Framing => Manifest.Framing;

    /// <summary>Number of parameters (trainable and frozen).</summary>
    public long ParameterCount
    {
        get
        {
            lock (_gate)
            {
                ThrowIfDisposed();
                return Network.parameters().Sum(p => p.numel());
            }
        }
    }

    internal FerNetwork Network { get; }

    /// <summary>Whether calls run NNPACK's Winograd convolutions (float32 where NNPACK is available; <see cref="InferenceNetwork"/>).</summary>
    internal bool UsesWinograd => WithInferenceCopy(copy => copy.UsesWinograd);

    /// <summary>NNPACK scratch memories the current inference copy has created: at most the number of threads that ran calls at once.</summary>
    internal int WinogradWorkspaces => WithInferenceCopy(copy => copy.WorkspacesCreated);

    /// <summary>
    /// The precision of the feature extractor at inference. Default: <see cref="InferencePrecision.BFloat16"/>
    /// where the CPU computes bfloat16 natively (the card gives its accuracy), else
    /// <see cref="InferencePrecision.Float32"/>. Set it before use, not while another thread classifies.
    /// </summary>
    public InferencePrecision Precision
    {
        get
        {
            ThrowIfDisposed();
            return _precision;
        }

        set
        {
            lock (_gate)
            {
                ThrowIfDisposed();
                if (value == _precision && _inferenceCopy is not null)
                {
                    return; // rebuilding the copy costs a full network's weights
                }

                _precision = value;
                RefreshInferenceCopy();
            }
        }
    }

    /// <summary>
    /// How many libtorch threads each inference call uses (<see cref="InferenceThreading"/>; by default one per 16
    /// faces, so one for a frame). Applied per call on the calling thread; nothing process-wide changes.
    /// </summary>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public InferenceThreading Threading
    {
        get => _threading;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            value.Validate();
            _threading = value;
        }
    }

    /// <summary>
    /// General FER2013 features saved with the model (see <see cref="AttachGeneralReplay"/>): personalization
    /// replays them so a person's head does not forget other expressions, with no dataset at hand. Null if none.
    /// </summary>
    public FaceFeatures? GeneralReplay { get; private set; }

    /// <summary>Creates a network with freshly initialized (untrained) weights, reproducible from <paramref name="seed"/>.</summary>
    public static ExpressionModel Create(ModelArchitecture architecture, int seed)
    {
        var network = NetworkFactory.Create(architecture);
        WeightInitializer.Initialize(network, seed);
        return new ExpressionModel(ModelManifest.For(architecture), network);
    }

    /// <summary>Loads a <c>.fermodel</c> file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="expected">When given, the file must hold this architecture.</param>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="ModelFormatException">
    /// The file is there but is not a model file, is corrupt or truncated, of another format version, has an invalid
    /// field, or holds another architecture than <paramref name="expected"/>; the message names the file and the problem.
    /// </exception>
    public static ExpressionModel Load(string path, ModelArchitecture? expected) => Load(path, expected, logger: null);

    /// <summary>Loads a <c>.fermodel</c> file and logs what was loaded (architecture, precision, parameters, time).</summary>
    /// <param name="path">The file.</param>
    /// <param name="expected">When given, the file must hold this architecture.</param>
    /// <param name="logger">Where the model-loaded event goes; null: nowhere.</param>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="ModelFormatException">The file is not a valid model file of the expected architecture.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Overloads differ in their first parameter, a path or a stream; no call can bind to another overload.")]
    public static ExpressionModel Load(string path, ModelArchitecture? expected = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var start = Stopwatch.GetTimestamp();
        return Loaded(new ExpressionModel(ModelFile.Load(path, expected)), path, start, logger);
    }

    /// <summary>
    /// Loads a model file from a stream (a blob, a download, an embedded resource), which need not seek: it is read
    /// whole, up to 770 MiB, then checked exactly as a file is. The stream is left open.
    /// </summary>
    /// <param name="stream">The <c>.fermodel</c> content, from its current position to its end.</param>
    /// <param name="expected">When given, the model must be of this architecture.</param>
    /// <param name="logger">Where the model-loaded event goes; null: nowhere.</param>
    /// <exception cref="ModelFormatException">
    /// The content is not a model file, is corrupt or truncated, longer than a model file may be, or as for
    /// <see cref="Load(string, ModelArchitecture?)"/>; errors name a file stream's file, else "model stream".
    /// </exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Overloads differ in their first parameter, a path or a stream; no call can bind to another overload.")]
    public static ExpressionModel Load(Stream stream, ModelArchitecture? expected = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var start = Stopwatch.GetTimestamp();
        var source = StreamBuffer.Describe(stream, StreamSource);
        return Loaded(new ExpressionModel(ModelFile.Load(ModelFile.ReadAll(stream, source), source, expected)), source, start, logger);
    }

    /// <summary>
    /// <see cref="Load(string, ModelArchitecture?)"/> without blocking the caller: the file is read asynchronously
    /// and the model built on the thread pool. Cancelling stops it between reading, checking and building; nothing
    /// is left behind.
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="ModelFormatException">As for <see cref="Load(string, ModelArchitecture?)"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Overloads differ in their first parameter, a path or a stream; no call can bind to another overload.")]
    public static async Task<ExpressionModel> LoadAsync(string path, ModelArchitecture? expected = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] content;
        await using (var file = StreamBuffer.OpenFile(path, asynchronous: true))
        {
            content = await ModelFile.ReadAllAsync(file, path, cancellationToken).ConfigureAwait(false);
        }

        return await Build(content, path, expected, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <see cref="Load(Stream, ModelArchitecture?, ILogger?)"/> without blocking the caller: the stream is read asynchronously
    /// and the model built on the thread pool. The stream is left open.
    /// </summary>
    /// <exception cref="ModelFormatException">As for <see cref="Load(Stream, ModelArchitecture?, ILogger?)"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Overloads differ in their first parameter, a path or a stream; no call can bind to another overload.")]
    public static async Task<ExpressionModel> LoadAsync(Stream stream, ModelArchitecture? expected = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var source = StreamBuffer.Describe(stream, StreamSource);
        var content = await ModelFile.ReadAllAsync(stream, source, cancellationToken).ConfigureAwait(false);
        return await Build(content, source, expected, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The general model shipped inside this package (trained on FER2013; see the model card), with its general
    /// replay features. Each call returns a new instance that the caller disposes.
    /// </summary>
    public static ExpressionModel LoadDefault() => LoadDefault(logger: null);

    /// <summary>The shipped general model (see <see cref="LoadDefault()"/>), logging what was loaded and how long it took.</summary>
    /// <param name="logger">Where the model-loaded event goes; null: nowhere.</param>
    public static ExpressionModel LoadDefault(ILogger? logger) => LoadDefault(logger, CancellationToken.None);

    /// <summary><see cref="LoadDefault()"/> on the thread pool, so that a host's start-up does not block on it.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static Task<ExpressionModel> LoadDefaultAsync(CancellationToken cancellationToken = default) =>
        Task.Run(() => LoadDefault(logger: null, cancellationToken), cancellationToken);

    private static ExpressionModel LoadDefault(ILogger? logger, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        using var stream = typeof(ExpressionModel).Assembly.GetManifestResourceStream(DefaultModelResource)
            ?? throw new InvalidOperationException($"The embedded resource {DefaultModelResource} is missing from Fer.Model.");
        return Loaded(new ExpressionModel(ModelFile.Load(stream, $"Fer.Model's embedded {DefaultModelResource}", expected: null, cancellationToken)), EmbeddedSource, start, logger);
    }

    // The parameter count walks every weight tensor: only paid when the event is actually written.
    private static ExpressionModel Loaded(ExpressionModel model, string source, long start, ILogger? logger)
    {
        if (logger?.IsEnabled(LogLevel.Information) == true)
        {
            Log.ModelLoaded(logger, source, model.Architecture, model.Precision, model.UsesWinograd ? "NNPACK Winograd" : "oneDNN",
                model.ParameterCount, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        return model;
    }

    // Checking the content and building the network is CPU work of a second or more: the thread pool does it.
    private static Task<ExpressionModel> Build(byte[] content, string source, ModelArchitecture? expected, CancellationToken cancellationToken) =>
        Task.Run(() => new ExpressionModel(ModelFile.Load(content, source, expected, cancellationToken)), cancellationToken);

    /// <summary>
    /// Builds a model from another framework's weights, named the PyTorch way (<c>features.block1.conv1.weight</c>,
    /// <c>head.fc1.bias</c>, … — docs/PYTORCH.md gives the matching PyTorch modules). Every tensor of the
    /// architecture must be there with its exact shape; BatchNorm's <c>num_batches_tracked</c> may be left out.
    /// </summary>
    /// <exception cref="ArgumentException">A tensor is missing, unexpected, of the wrong shape or size; the message names it.</exception>
    /// <param name="architecture">The network the weights belong to.</param>
    /// <param name="weights">The state dictionary.</param>
    /// <param name="command">Where the weights came from, kept in the manifest.</param>
    public static ExpressionModel FromWeights(ModelArchitecture architecture, IReadOnlyDictionary<string, WeightArray> weights, string? command = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var network = NetworkFactory.Create(architecture);
        try
        {
            NetworkState.Write(network, architecture, weights);
        }
        catch
        {
            network.Dispose();
            throw;
        }

        return new ExpressionModel(ModelManifest.For(architecture) with { Command = command }, network);
    }

    /// <summary>
    /// A copy of the network with this manifest and precision but no general replay, for callers about to change the
    /// weights (the replay features would describe the old ones).
    /// </summary>
    internal ExpressionModel CopyWithoutReplay(Func<ModelManifest, ModelManifest> describe)
    {
        var copy = FromWeights(Architecture, Weights());
        copy.Manifest = describe(Manifest);
        copy.Precision = Precision;
        return copy;
    }

    /// <summary>The weights as named arrays, PyTorch names (see <see cref="FromWeights"/>), e.g. to use them in Python.</summary>
    public IReadOnlyDictionary<string, WeightArray> Weights()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            return NetworkState.Read(Network);
        }
    }

    /// <summary>Saves the weights, manifest and any general replay atomically (a temporary file renamed into place).</summary>
    /// <param name="path">The <c>.fermodel</c> file.</param>
    /// <param name="weightPrecision">
    /// <see cref="WeightPrecision.Float16"/> halves the weights' size for shipping; the model loaded back then
    /// computes with the rounded weights (measure it again). Training checkpoints stay <see cref="WeightPrecision.Float32"/>.
    /// </param>
    /// <exception cref="InvalidOperationException">
    /// The file could not be loaded back, so none is written: the manifest has an invalid field, the weights hold NaN
    /// or infinite values (or, for <see cref="WeightPrecision.Float16"/>, values half precision cannot store), or the
    /// general replay is stale or out of half precision's range.
    /// </exception>
    public void Save(string path, WeightPrecision weightPrecision = WeightPrecision.Float32)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        SaveWith((manifest, network, replay) => ModelFile.Save(path, manifest, network, replay, weightPrecision));
    }

    /// <summary>
    /// Writes the model file to <paramref name="stream"/> (left open). It is checked and built whole in memory
    /// first, so a refused save writes nothing; the stream need not seek.
    /// </summary>
    /// <param name="stream">Where the <c>.fermodel</c> content goes.</param>
    /// <param name="weightPrecision">As for <see cref="Save(string, WeightPrecision)"/>.</param>
    /// <exception cref="InvalidOperationException">As for <see cref="Save(string, WeightPrecision)"/>: nothing is written.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Overloads differ in their first parameter, a path or a stream; no call can bind to another overload.")]
    public void Save(Stream stream, WeightPrecision weightPrecision = WeightPrecision.Float32)
    {
        ArgumentNullException.ThrowIfNull(stream);
        SaveWith((manifest, network, replay) => ModelFile.Save(stream, manifest, network, replay, weightPrecision));
    }

    /// <summary>
    /// <see cref="Save(Stream, WeightPrecision)"/> with the stream written asynchronously, as ASP.NET Core response
    /// bodies require. The file is checked and built in memory on the calling thread first (a fraction of a second
    /// for the shipped model), so a refused save writes nothing.
    /// </summary>
    /// <exception cref="InvalidOperationException">As for <see cref="Save(string, WeightPrecision)"/>: nothing is written.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while writing.</exception>
    public async Task SaveAsync(Stream stream, WeightPrecision weightPrecision = WeightPrecision.Float32, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        MemoryStream? content = null;
        try
        {
            SaveWith((manifest, network, replay) => content = ModelFile.Content(manifest, network, replay, weightPrecision));
            await stream.WriteAsync(content!.GetBuffer().AsMemory(0, (int)content.Length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            content?.Dispose();
        }
    }

    private void SaveWith(Action<ModelManifest, FerNetwork, FaceFeatures?> save)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            if (GeneralReplay is not null && GeneralReplay.ModelFingerprint != Fingerprint())
            {
                throw new InvalidOperationException("The general replay features were extracted from earlier weights; call AttachGeneralReplay again after training.");
            }

            save(Manifest, Network, GeneralReplay);
        }
    }

    /// <summary>
    /// Replaces the manifest's provenance fields (metrics, command, epochs) before saving, and the framing when the
    /// network was trained on faces framed another way than its manifest says.
    /// </summary>
    public void Describe(Func<ModelManifest, ModelManifest> update)
    {
        ArgumentNullException.ThrowIfNull(update);
        ThrowIfDisposed();
        var updated = update(Manifest);
        ArgumentNullException.ThrowIfNull(updated.Framing, $"{nameof(ModelManifest)}.{nameof(ModelManifest.Framing)}");
        if (updated.Architecture != Manifest.Architecture || updated.NormalizationMean != Manifest.NormalizationMean
            || updated.NormalizationStd != Manifest.NormalizationStd)
        {
            throw new ArgumentException("Architecture and normalization are fixed by the weights and cannot change.", nameof(update));
        }

        Manifest = updated;
    }

    /// <summary>
    /// Class probabilities for <paramref name="faceCount"/> faces: the result holds 7 values per face, in
    /// <see cref="Expression"/> order.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="faces"/> does not hold exactly <paramref name="faceCount"/> × 2304 bytes.</exception>
    /// <param name="faces">The faces' pixels.</param>
    /// <param name="faceCount">How many faces.</param>
    /// <param name="head">A person's head to use instead of the general one, or null.</param>
    public float[] PredictProbabilities(ReadOnlySpan<byte> faces, int faceCount, PersonalHead? head = null)
    {
        ThrowIfDisposed();
        CheckFaces(faces, faceCount);

        using var scope = NewDisposeScope();
        var logits = Logits(FaceTensors.Normalized(faces, faceCount, _normalizedPixel), head);
        return nn.functional.softmax(logits, 1).data<float>().ToArray();
    }

    /// <summary>
    /// Runs the (frozen) feature extractor once over labelled faces, optionally adding each face's mirror image,
    /// for <see cref="PersonalHead.Train"/>.
    /// </summary>
    public FaceFeatures ExtractFeatures(ReadOnlySpan<byte> faces, IReadOnlyList<Expression> labels, bool addMirrored = false)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(labels);
        CheckFaces(faces, labels.Count);
        var copies = addMirrored ? 2 : 1;
        var length = Network.FeatureSize;
        var values = new float[labels.Count * copies * length];
        var allLabels = new Expression[labels.Count * copies];
        using var noGrad = no_grad();
        _copyLock.EnterReadLock();
        try
        {
            ExtractInto(faces, labels, copies, values, allLabels);
        }
        finally
        {
            _copyLock.ExitReadLock();
        }

        return new FaceFeatures(values, allLabels, length, Fingerprint());
    }

    private void ExtractInto(ReadOnlySpan<byte> faces, IReadOnlyList<Expression> labels, int copies, float[] values, Expression[] allLabels)
    {
        var length = Network.FeatureSize;
        FaceBatches.ForEach(faces, labels.Count, (unit, start, count) =>
        {
            var input = FaceTensors.Normalize(unit, Manifest);
            var threadCount = _threading.ThreadsFor(count * copies);
            using var threads = IntraOpThreads.Use(threadCount);
            // The faces, then their mirror images, in calls of their own: the batch path (bfloat16) computes a call
            // layer by layer, so one call for both holds twice the activations, and it took about a fifth longer.
            for (var copy = 0; copy < copies; copy++)
            {
                var features = InferenceCopy.Features(copy == 0 ? input : input.flip(3), threadCount).contiguous();
                MemoryMarshal.Cast<byte, float>(features.bytes).CopyTo(values.AsSpan(((copy * labels.Count) + start) * length));
                for (var i = 0; i < count; i++)
                {
                    allLabels[(copy * labels.Count) + start + i] = labels[start + i];
                }
            }
        });
    }

    /// <summary>
    /// Extracts and keeps the features of <paramref name="generalFaces"/> (e.g. 2,000 FER2013 Training faces) so
    /// that <see cref="Save(string, WeightPrecision)"/> stores them with the weights as <see cref="GeneralReplay"/>.
    /// </summary>
    public void AttachGeneralReplay(FaceDataset generalFaces)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(generalFaces);
        ArgumentOutOfRangeException.ThrowIfZero(generalFaces.Count, nameof(generalFaces));
        GeneralReplay = ExtractFeatures(generalFaces.Pixels, generalFaces.Labels);
    }

    /// <summary>A SHA-256 fingerprint of the current weights: personal heads are tied to it.</summary>
    public string Fingerprint()
    {
        // Hashing 7 MB of weights takes tens of milliseconds and every fine-tune asks several times, so the value is
        // kept until the trainer changes the weights (not while it does).
        lock (_gate)
        {
            ThrowIfDisposed();
            if (_fingerprint is { } cached)
            {
                return cached;
            }

            var computed = ComputeFingerprint();
            if (!_weightsChanging)
            {
                _fingerprint = computed;
            }

            return computed;
        }
    }

    /// <summary>The trainer calls this before it changes the weights.</summary>
    internal void BeginWeightChanges()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            _weightsChanging = true;
            _fingerprint = null;
            DisposeInferenceCopy();
        }
    }

    /// <summary>The trainer calls this when it is done: inference and the fingerprint follow the new weights.</summary>
    internal void EndWeightChanges()
    {
        lock (_gate)
        {
            _weightsChanging = false;
            _fingerprint = null;
            if (_disposed)
            {
                Network.Dispose(); // disposed while training: the trainer was the last user
                return;
            }

            RefreshInferenceCopy();
        }
    }

    /// <summary>True once <see cref="Dispose"/> was called; a trainer stops at its next step.</summary>
    internal bool IsDisposed => _disposed;

    /// <summary>The lock that guards the native modules, for internal readers of <see cref="Network"/>.</summary>
    internal Lock Gate => _gate;

    private string ComputeFingerprint()
    {
        using var memory = new MemoryStream();
        using (var writer = new BinaryWriter(memory, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            Network.save(writer);
        }

        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(memory.GetBuffer().AsSpan(0, (int)memory.Length))).ToLowerInvariant();
    }

    private T WithInferenceCopy<T>(Func<InferenceNetwork, T> read)
    {
        _copyLock.EnterReadLock();
        try
        {
            return read(InferenceCopy);
        }
        finally
        {
            _copyLock.ExitReadLock();
        }
    }

    /// <summary>The network inference runs; the caller holds the read lock.</summary>
    private InferenceNetwork InferenceCopy
    {
        get
        {
            ThrowIfDisposed();
            return _inferenceCopy ?? throw new InvalidOperationException("The weights are being trained; inference waits until training ends.");
        }
    }

    /// <summary>The logits of <paramref name="head"/> (the general head when null) for normalized input, from the inference copy (no gradient).</summary>
    internal Tensor Logits(Tensor input, PersonalHead? head = null)
    {
        if (head is not null && head.Architecture != Architecture)
        {
            throw new ArgumentException($"A {head.Architecture} head cannot sit on a {Architecture} model.", nameof(head));
        }

        using var noGrad = no_grad();
        var threadCount = _threading.ThreadsFor((int)input.shape[0]);
        using var threads = IntraOpThreads.Use(threadCount);
        _copyLock.EnterReadLock();
        try
        {
            var copy = InferenceCopy;
            var classifier = head?.Module ?? copy.Head;
            classifier.eval();
            return classifier.forward(copy.Features(input, threadCount));
        }
        finally
        {
            _copyLock.ExitReadLock();
        }
    }

    /// <summary>Rebuilds the inference copy from the current weights (under the gate, or from the constructor).</summary>
    private void RefreshInferenceCopy() => ReplaceInferenceCopy(new InferenceNetwork(Network, Architecture, _precision));

    /// <summary>Disposes the inference copy once no call uses it (under the gate).</summary>
    private void DisposeInferenceCopy() => ReplaceInferenceCopy(null);

    /// <summary>Swaps in <paramref name="copy"/> once no call uses the current one, and disposes that.</summary>
    private void ReplaceInferenceCopy(InferenceNetwork? copy)
    {
        _copyLock.EnterWriteLock();
        try
        {
            _inferenceCopy?.Dispose();
            _inferenceCopy = copy;
        }
        finally
        {
            _copyLock.ExitWriteLock();
        }
    }

    private static void CheckFaces(ReadOnlySpan<byte> faces, int faceCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(faceCount);
        if (faces.Length != faceCount * FaceImage.PixelCount)
        {
            throw new ArgumentException($"Expected {faceCount} × {FaceImage.PixelCount} bytes, got {faces.Length}.", nameof(faces));
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            DisposeInferenceCopy();
            GeneralReplay = null;
            if (!_weightsChanging)
            {
                Network.Dispose();
            }
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
