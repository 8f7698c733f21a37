using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace PersonalFer.Model;

/// <summary>
/// What a head trains on, made once per training: the person's and the replayed general features with their
/// labels, the general head's soft targets, and the batches drawn from them; and the loss of any rows of a batch,
/// so the rows of one batch can be computed apart (<see cref="PersonalHead"/> splits every batch in two).
/// </summary>
internal sealed class HeadTrainingBatches : IDisposable
{
    // Far enough below any logit that a masked expression gets no probability, finite so no NaN reaches the gradient.
    private const float Masked = -1e4f;

    private readonly Random _random;
    private readonly int _personCount;
    private readonly int _generalCount;
    private readonly int _personPerBatch;
    private readonly int _generalPerBatch;
    private readonly Tensor _personValues;
    private readonly Tensor _personLabels;
    private readonly Tensor? _generalValues;
    private readonly Tensor? _generalLabels;
    private readonly Tensor? _generalTargets;
    private readonly Tensor? _missingMask;
    private readonly ReplayWeights _replayWeights;
    // Explicit, disposed Scalars: the operators' implicit ones are left to the garbage collector's finalizer, which
    // may free one while libtorch still reads it (a fuzz run failed in Scalar::toFloat inside the training loop).
    private readonly Scalar _one = 1.ToScalar();
    private readonly Scalar _batchSize;

    /// <summary>
    /// Makes the tensors; <paramref name="generalHead"/>, the general head of the model the features came from, gives
    /// the soft targets.
    /// </summary>
    public HeadTrainingBatches(nn.Module<Tensor, Tensor> generalHead, FaceFeatures person, FaceFeatures? general, HeadTrainingOptions options)
    {
        var generalShare = general is { Count: > 0 } ? options.GeneralShare : 0;
        _generalPerBatch = (int)Math.Round(options.BatchSize * generalShare);
        _personPerBatch = options.BatchSize - _generalPerBatch;
        _personCount = person.Count;
        _generalCount = general?.Count ?? 0;
        _random = new Random(options.Seed);
        _batchSize = ((double)options.BatchSize).ToScalar();
        _personValues = FaceTensors.Matrix(person.Values, person.Count, person.Length);
        _personLabels = tensor(person.Labels.Select(l => (long)l).ToArray());
        if (_generalPerBatch > 0)
        {
            _generalValues = FaceTensors.Matrix(general!.Values, general.Count, general.Length);
            _generalLabels = tensor(general.Labels.Select(l => (long)l).ToArray());
            _generalTargets = options.ReplayDistillation > 0 ? SoftTargets(generalHead, general, _generalValues, options.DistillationTemperature) : null;
        }

        // The person's loss is taken over the expressions they gave only: a softmax over all seven would push every
        // expression they did not give down on their faces, and those must keep the general model's behaviour (the
        // replayed faces, scored over all seven, hold them in place). With all seven given the mask adds nothing.
        _missingMask = MissingExpressionMask(person, _personPerBatch);
        _replayWeights = new ReplayWeights(options, distilled: _generalTargets is not null);
    }

    /// <summary>The rows of one batch: indices into the person's features, then into the general ones.</summary>
    public sealed record Rows(long[] Person, long[] General);

    /// <summary>Draws the next batch (person rows first, then general rows, each with replacement).</summary>
    public Rows Draw() => new(Sample(_random, _personCount, _personPerBatch), _generalPerBatch > 0 ? Sample(_random, _generalCount, _generalPerBatch) : []);

    /// <summary>
    /// The loss of <paramref name="count"/> rows of <paramref name="rows"/> from <paramref name="start"/> through
    /// <paramref name="module"/>, divided by the whole batch's size (so the parts of a batch add up to its loss); in
    /// the caller's dispose scope. Safe to call from several threads at once.
    /// </summary>
    public Tensor Loss(nn.Module<Tensor, Tensor> module, Rows rows, int start, int count)
    {
        var personRows = Math.Clamp(_personPerBatch - start, 0, count);
        var generalRows = count - personRows;
        var generalStart = Math.Max(0, start - _personPerBatch);
        var personIndex = tensor(rows.Person.AsSpan(Math.Min(start, _personPerBatch), personRows).ToArray());
        var generalIndex = tensor(rows.General.AsSpan(generalStart, generalRows).ToArray());
        var features = generalRows == 0
            ? _personValues.index_select(0, personIndex)
            : personRows == 0
                ? _generalValues!.index_select(0, generalIndex)
                : cat([_personValues.index_select(0, personIndex), _generalValues!.index_select(0, generalIndex)], 0);
        var logits = module.forward(features);
        Tensor? loss = null;
        if (personRows > 0)
        {
            var personLogits = logits.narrow(0, 0, personRows);
            loss = nn.functional.cross_entropy(
                _missingMask is null ? personLogits : personLogits.add(_missingMask.narrow(0, 0, personRows), _one),
                _personLabels.index_select(0, personIndex),
                reduction: nn.Reduction.Sum);
        }

        if (generalRows > 0)
        {
            var replay = _replayWeights.Loss(logits.narrow(0, personRows, generalRows), _generalLabels!.index_select(0, generalIndex), _generalTargets?.index_select(0, generalIndex));
            loss = loss is null ? replay : loss.add(replay, _one);
        }

        return loss!.div(_batchSize);
    }

    public void Dispose()
    {
        _personValues.Dispose();
        _personLabels.Dispose();
        _generalValues?.Dispose();
        _generalLabels?.Dispose();
        _generalTargets?.Dispose();
        _missingMask?.Dispose();
        _replayWeights.Dispose();
        _one.Dispose();
        _batchSize.Dispose();
    }

    // The general head's probabilities for every replayed face at the distillation temperature: what the replay
    // rows are trained towards, so the head keeps the general model's behaviour on general faces (its confident and
    // its uncertain answers alike), which forgets less than their FER2013 labels alone (docs/PERSONALIZATION.md).
    // They depend on the replayed features alone (which name the weights that made them, the general head's among
    // them) and the temperature, so they are kept with the features: every training after the first skips the
    // product over all of them (about 20 ms for 2,000 faces).
    private static Tensor SoftTargets(nn.Module<Tensor, Tensor> generalHead, FaceFeatures general, Tensor generalValues, double temperature)
    {
        if (KnownTargets.TryGetValue(general, out var known) && known.Temperature == temperature)
        {
            return FaceTensors.Matrix(known.Targets, general.Count, Data.Expressions.Count);
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        generalHead.eval();
        using var divisor = temperature.ToScalar();
        var targets = nn.functional.softmax(generalHead.forward(generalValues).div(divisor), 1).contiguous();
        KnownTargets.AddOrUpdate(general, new KnownSoftTargets(temperature, MemoryMarshal.Cast<byte, float>(targets.bytes).ToArray()));
        return targets.MoveToOuterDisposeScope();
    }

    private static readonly ConditionalWeakTable<FaceFeatures, KnownSoftTargets> KnownTargets = new();

    private sealed record KnownSoftTargets(double Temperature, float[] Targets);

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

    // The replayed rows' loss, summed over them: the distilled share follows the general head's softened probabilities
    // (scaled by the temperature squared, so its gradients keep their size whatever the temperature), the rest the
    // labels. Its weights are made once for all steps, as disposed Scalars.
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
}
