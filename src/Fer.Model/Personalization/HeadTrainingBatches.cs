using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace PersonalFer.Model;

/// <summary>
/// What a head trains on, made once per training: the person's and the replayed general features with their
/// labels, the general head's soft targets, and the batches drawn from them; and, for any rows of a batch, their
/// features and the gradient of the loss with respect to the head's outputs (<see cref="HeadBackprop"/> computes a
/// batch in two halves from them).
/// </summary>
/// <remarks>
/// The loss of a batch is the sum over its rows, divided by the batch's size. A person's row scores the cross-entropy
/// of its label over the expressions the person gave only: a softmax over all seven would push every expression they
/// did not give down on their faces, and those must keep the general model's behaviour (the replayed faces, scored
/// over all seven, hold them in place). A replayed row scores (1 − d) times the cross-entropy of its FER2013 label plus
/// d·T² times the cross-entropy of the general head's probabilities at temperature T against its own at T, d being
/// <see cref="HeadTrainingOptions.ReplayDistillation"/> (T² keeps the gradients' size whatever the temperature).
/// </remarks>
internal sealed class HeadTrainingBatches
{
    private readonly Random _random;
    private readonly int _batchSize;
    private readonly int _personPerBatch;
    private readonly int _generalPerBatch;
    private readonly FaceFeatures _person;
    private readonly FaceFeatures? _general;
    private readonly float[]? _generalTargets;
    // Per expression, whether the person gave it.
    private readonly bool[] _given;
    private readonly double _labelWeight;
    private readonly double _distilledWeight;
    private readonly double _temperature;

    /// <summary>
    /// Keeps the features; <paramref name="generalHead"/>, the general head of the model the features came from, gives
    /// the soft targets.
    /// </summary>
    public HeadTrainingBatches(nn.Module<Tensor, Tensor> generalHead, FaceFeatures person, FaceFeatures? general, HeadTrainingOptions options)
    {
        var generalShare = general is { Count: > 0 } ? options.GeneralShare : 0;
        _batchSize = options.BatchSize;
        _generalPerBatch = (int)Math.Round(options.BatchSize * generalShare);
        _personPerBatch = options.BatchSize - _generalPerBatch;
        _person = person;
        _random = new Random(options.Seed);
        if (_generalPerBatch > 0)
        {
            _general = general;
            _generalTargets = options.ReplayDistillation > 0 ? SoftTargets(generalHead, general!, options.DistillationTemperature) : null;
        }

        _given = new bool[Data.Expressions.Count];
        foreach (var label in person.Labels)
        {
            _given[(int)label] = true;
        }

        var distillation = _generalTargets is null ? 0 : options.ReplayDistillation;
        _labelWeight = 1 - distillation;
        _temperature = options.DistillationTemperature;
        _distilledWeight = distillation * _temperature * _temperature;
    }

    /// <summary>The rows of one batch: indices into the person's features, then into the general ones.</summary>
    public sealed record Rows(long[] Person, long[] General);

    /// <summary>Features per row.</summary>
    public int Length => _person.Length;

    /// <summary>Draws the next batch (person rows first, then general rows, each with replacement).</summary>
    public Rows Draw() => new(Sample(_random, _person.Count, _personPerBatch), _generalPerBatch > 0 ? Sample(_random, _general!.Count, _generalPerBatch) : []);

    /// <summary>Copies the features of <paramref name="count"/> rows of <paramref name="rows"/> from <paramref name="start"/>, row after row.</summary>
    // Optimized from its first call: a fine-tune runs it over every row of every step, and left to tiered compilation
    // such loops ran unoptimized through a process's first fine-tunes (the first took about twice as long).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Gather(Rows rows, int start, int count, Span<float> destination)
    {
        for (var row = 0; row < count; row++)
        {
            var (features, index) = Source(rows, start + row);
            features.Values.AsSpan((int)index * Length, Length).CopyTo(destination.Slice(row * Length, Length));
        }
    }

    /// <summary>
    /// The gradient of the batch's loss with respect to the head's outputs <paramref name="logits"/> (row after row,
    /// one per expression) of <paramref name="count"/> rows of <paramref name="rows"/> from <paramref name="start"/>.
    /// Safe to call from several threads at once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void LogitGradient(Rows rows, int start, int count, ReadOnlySpan<float> logits, Span<float> gradient)
    {
        var expressions = _given.Length;
        Span<double> probabilities = stackalloc double[expressions];
        Span<double> softened = stackalloc double[expressions];
        for (var row = 0; row < count; row++)
        {
            var z = logits.Slice(row * expressions, expressions);
            var g = gradient.Slice(row * expressions, expressions);
            var batchRow = start + row;
            if (batchRow < _personPerBatch)
            {
                var label = (int)_person.Labels[rows.Person[batchRow]];
                Softmax(z, 1, _given, probabilities);
                for (var k = 0; k < expressions; k++)
                {
                    g[k] = (float)((probabilities[k] - (k == label ? 1 : 0)) / _batchSize);
                }

                continue;
            }

            var index = rows.General[batchRow - _personPerBatch];
            var generalLabel = (int)_general!.Labels[index];
            Softmax(z, 1, given: null, probabilities);
            for (var k = 0; k < expressions; k++)
            {
                probabilities[k] = _labelWeight * (probabilities[k] - (k == generalLabel ? 1 : 0));
            }

            if (_generalTargets is not null)
            {
                // d/dz of −Σ t·log softmax(z / T) is (softmax(z / T)·Σ t − t) / T.
                var targets = _generalTargets.AsSpan((int)index * expressions, expressions);
                var targetSum = 0.0;
                foreach (var target in targets)
                {
                    targetSum += target;
                }

                Softmax(z, _temperature, given: null, softened);
                for (var k = 0; k < expressions; k++)
                {
                    probabilities[k] += _distilledWeight * ((softened[k] * targetSum) - targets[k]) / _temperature;
                }
            }

            for (var k = 0; k < expressions; k++)
            {
                g[k] = (float)(probabilities[k] / _batchSize);
            }
        }
    }

    // The features and the index in them of a row of the batch.
    private (FaceFeatures Features, long Index) Source(Rows rows, int batchRow) =>
        batchRow < _personPerBatch ? (_person, rows.Person[batchRow]) : (_general!, rows.General[batchRow - _personPerBatch]);

    // softmax(z / temperature) over the expressions given (all when null); 0 for the others.
    private static void Softmax(ReadOnlySpan<float> z, double temperature, bool[]? given, Span<double> probabilities)
    {
        var max = double.NegativeInfinity;
        for (var k = 0; k < z.Length; k++)
        {
            if (given is null || given[k])
            {
                max = Math.Max(max, z[k] / temperature);
            }
        }

        var sum = 0.0;
        for (var k = 0; k < z.Length; k++)
        {
            probabilities[k] = given is null || given[k] ? Math.Exp((z[k] / temperature) - max) : 0;
            sum += probabilities[k];
        }

        for (var k = 0; k < z.Length; k++)
        {
            probabilities[k] /= sum;
        }
    }

    // The general head's probabilities for every replayed face at the distillation temperature: what the replay
    // rows are trained towards, so the head keeps the general model's behaviour on general faces (its confident and
    // its uncertain answers alike), which forgets less than their FER2013 labels alone (docs/PERSONALIZATION.md).
    // They depend on the replayed features alone (which name the weights that made them, the general head's among
    // them) and the temperature, so they are kept with the features: every training after the first skips the
    // product over all of them (about 20 ms for 2,000 faces).
    private static float[] SoftTargets(nn.Module<Tensor, Tensor> generalHead, FaceFeatures general, double temperature)
    {
        if (KnownTargets.TryGetValue(general, out var known) && known.Temperature == temperature)
        {
            return known.Targets;
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        generalHead.eval();
        using var divisor = temperature.ToScalar();
        using var values = FaceTensors.Matrix(general.Values, general.Count, general.Length);
        var targets = nn.functional.softmax(generalHead.forward(values).div(divisor), 1).contiguous();
        var computed = MemoryMarshal.Cast<byte, float>(targets.bytes).ToArray();
        KnownTargets.AddOrUpdate(general, new KnownSoftTargets(temperature, computed));
        return computed;
    }

    private static readonly ConditionalWeakTable<FaceFeatures, KnownSoftTargets> KnownTargets = new();

    private sealed record KnownSoftTargets(double Temperature, float[] Targets);

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
