using static TorchSharp.torch;

namespace PersonalFer.Model.Networks;

/// <summary>A network's state as named arrays with PyTorch names, read out or copied in with every name and shape checked.</summary>
internal static class NetworkState
{
    public static Dictionary<string, WeightArray> Read(FerNetwork network)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope(); // to() and contiguous() each return a new handle per tensor
        return network.state_dict().ToDictionary(
            entry => PyTorchName(entry.Key),
            entry => new WeightArray(entry.Value.shape, entry.Value.to(float32).contiguous().data<float>().ToArray()));
    }

    /// <summary>Each tensor's shape by its PyTorch name.</summary>
    public static Dictionary<string, long[]> Shapes(FerNetwork network) =>
        network.state_dict().ToDictionary(entry => PyTorchName(entry.Key), entry => entry.Value.shape);

    /// <summary>
    /// The PyTorch name of the first floating-point tensor of <paramref name="module"/> holding NaN or a value beyond
    /// ±<paramref name="limit"/>, or null when there is none.
    /// </summary>
    public static string? FirstTensorBeyond(nn.Module module, float limit)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return module.state_dict()
            .Where(entry => entry.Value.is_floating_point() && entry.Value.numel() > 0)
            .Select(entry => (Name: PyTorchName(entry.Key), Largest: entry.Value.abs().max().item<float>()))
            .FirstOrDefault(tensor => !(tensor.Largest <= limit)).Name;
    }

    /// <summary>Copies every tensor in; BatchNorm's <c>num_batches_tracked</c> may be left out (it keeps its value).</summary>
    /// <exception cref="ArgumentException">A tensor is missing, unexpected, of the wrong shape or size, or holds impossible values (<see cref="ValueProblem"/>); the message names it.</exception>
    public static void Write(FerNetwork network, ModelArchitecture architecture, IReadOnlyDictionary<string, WeightArray> weights)
    {
        var state = network.state_dict();
        var expected = state.Keys.ToDictionary(PyTorchName);
        var unexpected = weights.Keys.Where(name => !expected.ContainsKey(name)).ToList();
        if (unexpected.Count > 0)
        {
            throw new ArgumentException($"Not a tensor of the {architecture} network: {string.Join(", ", unexpected.Take(5))}. Expected names like {string.Join(", ", expected.Keys.Take(3))}.", nameof(weights));
        }

        using var noGrad = no_grad();
        foreach (var (name, key) in expected)
        {
            var target = state[key];
            if (!weights.TryGetValue(name, out var source))
            {
                if (IsBatchCount(name))
                {
                    continue;
                }

                throw new ArgumentException($"The {architecture} tensor '{name}' {Describe(target.shape)} is missing.", nameof(weights));
            }

            if (source?.Shape is null || source.Values is null)
            {
                throw new ArgumentException($"'{name}' is null or has a null shape or values.", nameof(weights));
            }

            if (!source.Shape.SequenceEqual(target.shape) || source.Values.LongLength != target.numel())
            {
                throw new ArgumentException($"'{name}' is {Describe(source.Shape)} with {source.Values.Length} values; the {architecture} network needs {Describe(target.shape)}.", nameof(weights));
            }

            if (ValueProblem(name, source.Values) is { } problem)
            {
                throw new ArgumentException($"'{name}' {problem}.", nameof(weights));
            }

            using var values = tensor(source.Values, source.Shape);
            target.copy_(values);
        }
    }

    /// <summary>
    /// What rules out <paramref name="values"/> as tensor <paramref name="name"/>'s, or null: every value must be
    /// finite, and a BatchNorm running variance must not be negative (its square root divides the input).
    /// </summary>
    public static string? ValueProblem(string name, ReadOnlySpan<float> values)
    {
        var variance = name.EndsWith(".running_var", StringComparison.Ordinal);
        foreach (var value in values)
        {
            if (!float.IsFinite(value))
            {
                return "holds NaN or infinite values";
            }

            if (variance && value < 0)
            {
                return "is a variance but holds negative values";
            }
        }

        return null;
    }

    /// <summary>BatchNorm's count of training batches: an integer that plays no part in inference or in training with momentum.</summary>
    public static bool IsBatchCount(string name) => name.EndsWith(".num_batches_tracked", StringComparison.Ordinal);

    // TorchSharp names the networks' parts after their fields (_features, _head); PyTorch code names them features, head.
    private static string PyTorchName(string key) => key.TrimStart('_');

    private static string Describe(long[] shape) => $"[{string.Join(", ", shape)}]";
}
