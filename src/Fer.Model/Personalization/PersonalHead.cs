using PersonalFer.Model.Networks;
using static TorchSharp.torch;

namespace PersonalFer.Model;

/// <summary>
/// A classifier head retrained for one person on top of a frozen general model. It holds only head weights —
/// never faces — and is tied to the exact general weights it was trained on.
/// </summary>
public sealed class PersonalHead : IDisposable
{
    private readonly nn.Module<Tensor, Tensor> _module;
    private readonly ModelArchitecture _architecture;
    private readonly string _baseModelFingerprint;
    private bool _disposed;

    private PersonalHead(nn.Module<Tensor, Tensor> module, ModelArchitecture architecture, string baseModelFingerprint)
    {
        _module = module;
        _architecture = architecture;
        _baseModelFingerprint = baseModelFingerprint;
        _module.eval();
    }

    /// <summary>The architecture of the general model underneath.</summary>
    public ModelArchitecture Architecture
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _architecture;
        }
    }

    /// <summary>Fingerprint of the general model's weights the head was trained on.</summary>
    public string BaseModelFingerprint
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _baseModelFingerprint;
        }
    }

    internal nn.Module<Tensor, Tensor> Module
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _module;
        }
    }

    /// <summary>
    /// Trains a head for one person: starts from <paramref name="model"/>'s general head and trains only it on the
    /// person's cached features, mixed with replayed general features. The general model is not modified.
    /// </summary>
    /// <remarks>
    /// Each step's batch is computed in two halves, on the calling thread and, where the machine has more than one
    /// core, on a thread of the training's own; each thread runs libtorch on itself alone. The same seed gives the
    /// same head whatever the machine's core count.
    /// </remarks>
    /// <exception cref="ArgumentException">The features come from other weights, or the person's set is empty.</exception>
    /// <param name="model">The general model (unchanged).</param>
    /// <param name="person">The person's features from <paramref name="model"/>.</param>
    /// <param name="general">Replayed general features from <paramref name="model"/>, or null.</param>
    /// <param name="options">How to train.</param>
    /// <param name="stepsDone">Receives the number of optimizer steps done after each step.</param>
    /// <param name="cancellationToken">Checked before each step.</param>
    public static PersonalHead Train(
        ExpressionModel model,
        FaceFeatures person,
        FaceFeatures? general,
        HeadTrainingOptions? options = null,
        IProgress<int>? stepsDone = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(person);
        options ??= new HeadTrainingOptions();
        options.Validate();
        var fingerprint = model.Fingerprint();
        if (person.Count == 0)
        {
            throw new ArgumentException("No faces of the person to train on.", nameof(person));
        }

        foreach (var features in new[] { person, general })
        {
            if (features is not null && features.ModelFingerprint != fingerprint)
            {
                throw new ArgumentException("These features were extracted by other model weights.", nameof(person));
            }
        }

        var head = model.Network.NewHead();
        try
        {
            TrainHead(head, model, person, general, options, stepsDone, cancellationToken);
        }
        catch
        {
            // Cancelled or failed: the half-trained head's native weights are not handed to anyone.
            head.Dispose();
            throw;
        }

        return new PersonalHead(head, model.Architecture, fingerprint);
    }

    private static void TrainHead(
        nn.Module<Tensor, Tensor> head,
        ExpressionModel model,
        FaceFeatures person,
        FaceFeatures? general,
        HeadTrainingOptions options,
        IProgress<int>? stepsDone,
        CancellationToken cancellationToken)
    {
        using (no_grad())
        {
            lock (model.Gate)
            {
                ObjectDisposedException.ThrowIf(model.IsDisposed, model);
                head.load_state_dict(model.Network.Head.state_dict());
            }
        }

        // Made with the caller's thread count: the general head's answers for every replayed face are one large product.
        var batches = new HeadTrainingBatches(head, person, general, options);
        // Every batch is split in two fixed halves, each computed on a thread of its own into gradients of its own,
        // which the optimizer adds. The rows, the dropout masks and so the head are those of one pass over the whole
        // batch, whatever the core count; with one core the halves run one after the other.
        var firstRows = options.BatchSize / 2;
        using var masks = new DropoutMasks(head, options.BatchSize, (ulong)options.Seed);
        using var first = new HeadBackprop(head, masks, 0, firstRows, batches.Length);
        using var second = new HeadBackprop(head, masks, firstRows, options.BatchSize - firstRows, batches.Length);
        var optimizer = new FusedAdamW(head.parameters(), options.LearningRate, options.WeightDecay);
        using var partner = Environment.ProcessorCount > 1 ? new StepPartner() : null;
        masks.Draw();
        for (var step = 0; step < options.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rows = batches.Draw();
            RunHalves(partner, () => first.Run(batches, rows), () => second.Run(batches, rows));
            // Each thread updates half of every weight; the next step's masks, which come from one stream in order, are
            // drawn here too.
            var update = optimizer.Next();
            RunHalves(
                partner,
                () =>
                {
                    masks.Draw();
                    optimizer.Update(update, 0, 2, first.Gradients, second.Gradients);
                },
                () => optimizer.Update(update, 1, 2, first.Gradients, second.Gradients));
            stepsDone?.Report(step + 1);
        }
    }

    private static void RunHalves(StepPartner? partner, Action first, Action second)
    {
        if (partner is null)
        {
            first();
            second();
        }
        else
        {
            partner.Run(first, second);
        }
    }

    /// <summary>Writes the head's weights (TorchSharp's state-dict format).</summary>
    /// <exception cref="InvalidOperationException">The weights hold NaN or infinite values (training diverged): nothing is written.</exception>
    public void Save(Stream stream)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(stream);
        if (NetworkState.FirstTensorBeyond(_module, float.MaxValue) is { } diverged)
        {
            throw new InvalidOperationException($"The head cannot be saved: '{diverged}' holds NaN or infinite values (its training diverged).");
        }

        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        _module.save(writer);
    }

    /// <summary>Reads a head saved by <see cref="Save"/> for <paramref name="model"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="baseModelFingerprint"/> is not <paramref name="model"/>'s.</exception>
    /// <exception cref="InvalidDataException">
    /// The stream does not hold exactly the weights of a head of the model's architecture (a tensor is missing, extra,
    /// of another type or shape, not finite, or the stream is truncated or runs on); the message names the tensor.
    /// </exception>
    /// <exception cref="ObjectDisposedException"><paramref name="model"/> is disposed.</exception>
    public static PersonalHead Load(Stream stream, ExpressionModel model, string baseModelFingerprint)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(model);
        if (baseModelFingerprint != model.Fingerprint())
        {
            throw new ArgumentException("The head was trained on other general model weights than this model's.", nameof(baseModelFingerprint));
        }

        var head = model.Network.NewHead();
        try
        {
            StateDictFormat.Load(head, stream);
        }
        catch (InvalidDataException e)
        {
            head.Dispose();
            throw new InvalidDataException($"The head weights do not fit a {model.Architecture} head or are corrupt: {e.Message}.", e);
        }
        catch
        {
            head.Dispose();
            throw;
        }

        return new PersonalHead(head, model.Architecture, baseModelFingerprint);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _module.Dispose();
    }
}
