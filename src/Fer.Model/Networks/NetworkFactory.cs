namespace PersonalFer.Model.Networks;

/// <summary>Builds the network of an architecture.</summary>
internal static class NetworkFactory
{
    public static FerNetwork Create(ModelArchitecture architecture)
    {
        TorchRuntime.EnsureInitialized();
        return architecture switch
        {
            ModelArchitecture.Seed => new SeedCnn(),
            ModelArchitecture.VggBn => new VggBnCnn(VggBnCnn.Full),
            ModelArchitecture.VggBnCompact => new VggBnCnn(VggBnCnn.Compact),
            _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture, "unknown architecture"),
        };
    }
}
