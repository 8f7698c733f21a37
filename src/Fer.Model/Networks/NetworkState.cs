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

    /// <summary>Copies every tensor in; BatchNorm's <c>num_batches_tracked</c> may be left out (it keeps its value).</summary>
    /// <exception cref="ArgumentException">A tensor is missing, unexpected, of the wrong shape or size; the message names it.</exception>
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

            if (!source.Shape.SequenceEqual(target.shape) || source.Values.LongLength != target.numel())
            {
                throw new ArgumentException($"'{name}' is {Describe(source.Shape)} with {source.Values.Length} values; the {architecture} network needs {Describe(target.shape)}.", nameof(weights));
            }

            using var values = tensor(source.Values, source.Shape);
            target.copy_(values);
        }
    }

    /// <summary>BatchNorm's count of training batches: an integer that plays no part in inference or in training with momentum.</summary>
    public static bool IsBatchCount(string name) => name.EndsWith(".num_batches_tracked", StringComparison.Ordinal);

    // TorchSharp names the networks' parts after their fields (_features, _head); PyTorch code names them features, head.
    private static string PyTorchName(string key) => key.TrimStart('_');

    private static string Describe(long[] shape) => $"[{string.Join(", ", shape)}]";
}
