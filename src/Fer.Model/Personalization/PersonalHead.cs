using TorchSharp;
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

        var generalShare = general is { Count: > 0 } ? options.GeneralShare : 0;
        var generalPerBatch = (int)Math.Round(options.BatchSize * generalShare);
        var personPerBatch = options.BatchSize - generalPerBatch;
        var random = new Random(options.Seed);
        using var dropoutGenerator = new Generator((ulong)options.Seed);
        var optimizer = new FusedAdamW(head.parameters(), options.LearningRate, options.WeightDecay);
        using var personValues = FaceTensors.Matrix(person.Values, person.Count, person.Length);
        using var personLabels = tensor(person.Labels.Select(l => (long)l).ToArray());
        using var generalValues = generalPerBatch > 0 ? FaceTensors.Matrix(general!.Values, general.Count, general.Length) : null;
        using var generalLabels = generalPerBatch > 0 ? tensor(general!.Labels.Select(l => (long)l).ToArray()) : null;
        using var generalTargets = generalValues is not null && options.ReplayDistillation > 0 ? SoftTargets(head, generalValues, options.DistillationTemperature) : null;

        // The person's loss is taken over the expressions they gave only: a softmax over all seven would push every
        // expression they did not give down on their faces, and those must keep the general model's behaviour (the
        // replayed faces, scored over all seven, hold them in place). With all seven given the mask adds nothing.
        using var missingMask = MissingExpressionMask(person, personPerBatch);
        // Explicit, disposed Scalars: the operators' implicit ones are left to the garbage collector's finalizer, which
        // may free one while libtorch still reads it (a fuzz run failed in Scalar::toFloat inside this loop).
        using var one = 1.ToScalar();
        using var batchSize = ((double)options.BatchSize).ToScalar();
        using var replayWeights = new ReplayWeights(options, distilled: generalTargets is not null);
        SeededDropout.Use(head, dropoutGenerator);
        head.train();
        for (var step = 0; step < options.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var personIndex = tensor(Sample(random, person.Count, personPerBatch));
            var features = personValues.index_select(0, personIndex);
            Tensor? generalIndex = null;
            if (generalValues is not null)
            {
                generalIndex = tensor(Sample(random, general!.Count, generalPerBatch));
                features = cat([features, generalValues.index_select(0, generalIndex)], 0);
            }

            optimizer.ZeroGrad();
            var logits = head.forward(features);
            var personLogits = logits.narrow(0, 0, personPerBatch);
            var loss = nn.functional.cross_entropy(missingMask is null ? personLogits : personLogits.add(missingMask, one), personLabels.index_select(0, personIndex), reduction: nn.Reduction.Sum);
            if (generalIndex is not null)
            {
                loss = loss.add(replayWeights.Loss(logits.narrow(0, personPerBatch, generalPerBatch), generalLabels!.index_select(0, generalIndex), generalTargets?.index_select(0, generalIndex)), one);
            }

            loss.div(batchSize).backward();
            optimizer.Step();
            stepsDone?.Report(step + 1);
        }

        // The generator dies with this call; a failed call disposes the head instead.
        SeededDropout.Use(head, null);
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

    // The general head's probabilities for every replayed face at the distillation temperature: what the replay
    // rows are trained towards, so the head keeps the general model's behaviour on general faces (its confident and
    // its uncertain answers alike), which forgets less than their FER2013 labels alone (docs/PERSONALIZATION.md).
    private static Tensor SoftTargets(nn.Module<Tensor, Tensor> generalHead, Tensor generalValues, double temperature)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        generalHead.eval();
        using var divisor = temperature.ToScalar();
        return nn.functional.softmax(generalHead.forward(generalValues).div(divisor), 1).MoveToOuterDisposeScope();
    }

    // The replayed rows' loss, summed over them: the distilled share follows the general head's softened probabilities
    // (scaled by the temperature squared, so its gradients keep their size whatever the temperature), the rest the
    // labels. Its weights are made once for all steps, as disposed Scalars (see Train).
    private sealed class ReplayWeights : IDisposable
    {
        private readonly Scalar _labelWeight;
        private readonly Scalar _temperature;
        private readonly Scalar _distilledWeight;
        private readonly Scalar _one = 1.ToScalar();

        public ReplayWeights(HeadTrainingOptions options, bool distilled)
        {
            var share = distilled ? options.ReplayDistillation : 0;
            var temperature = options.DistillationTemperature;
            _labelWeight = (1 - share).ToScalar();
            _temperature = temperature.ToScalar();
            _distilledWeight = (share * temperature * temperature).ToScalar();
        }

        public Tensor Loss(Tensor logits, Tensor labels, Tensor? targets)
        {
            var loss = nn.functional.cross_entropy(logits, labels, reduction: nn.Reduction.Sum).mul(_labelWeight);
            return targets is null
                ? loss
                : loss.add(nn.functional.cross_entropy(logits.div(_temperature), targets, reduction: nn.Reduction.Sum).mul(_distilledWeight), _one);
        }

        public void Dispose()
        {
            _labelWeight.Dispose();
            _temperature.Dispose();
            _distilledWeight.Dispose();
            _one.Dispose();
        }
    }

    // Far enough below any logit that a masked expression gets no probability, finite so no NaN reaches the gradient.
    private const float Masked = -1e4f;

    // Added to the logits of the person's rows of a batch: Masked for the expressions absent from their faces, else 0.
    // Null when the person gave all seven (nothing to mask).
    private static Tensor? MissingExpressionMask(FaceFeatures person, int personRows)
    {
        var given = new bool[Data.Expressions.Count];
        foreach (var label in person.Labels)
        {
            given[(int)label] = true;
        }

        if (given.All(g => g))
        {
            return null;
        }

        var mask = new float[personRows * given.Length];
        for (var row = 0; row < personRows; row++)
        {
            for (var expression = 0; expression < given.Length; expression++)
            {
                mask[(row * given.Length) + expression] = given[expression] ? 0 : Masked;
            }
        }

        return tensor(mask, [personRows, given.Length]);
    }

    private static long[] Sample(Random random, int count, int size)
    {
        var indices = new long[size];
        for (var i = 0; i < size; i++)
        {
            indices[i] = random.Next(count);
        }

        return indices;
    }
}
