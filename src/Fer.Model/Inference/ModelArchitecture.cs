namespace PersonalFer.Model;

/// <summary>The expression networks PersonalFer can build.</summary>
public enum ModelArchitecture
{
    /// <summary>The seed project's CNN: 2,345,607 parameters, no normalization layers, inputs scaled to [0, 1].</summary>
    Seed,

    /// <summary>The default: a VGG-style CNN with BatchNorm, 1,764,519 parameters, inputs standardized.</summary>
    VggBn,

    /// <summary>
    /// VggBn at 16, 32, 96 and 192 channels instead of 32, 64, 128 and 256: 1,070,295 parameters and 41 % of its
    /// compute, inputs standardized like VggBn's.
    /// </summary>
    VggBnCompact,
}
