namespace PersonalFer.Model;

/// <summary>The expression networks PersonalFer can build.</summary>
public enum ModelArchitecture
{
    /// <summary>The seed project's CNN: 2,345,607 parameters, no normalization layers, inputs scaled to [0, 1].</summary>
    Seed,

    /// <summary>The default: a VGG-style CNN with BatchNorm, 1,764,519 parameters, inputs standardized.</summary>
    VggBn,

    /// <summary>
    /// VggBn with a last block twice as wide (512 channels; 4,419,751 parameters, inputs standardized): more
    /// capacity where the features are formed. Starts from a trained VggBn with <see cref="NetworkWidening.Widen"/>.
    /// </summary>
    VggBnWide,
}
