namespace PersonalFer.Model;

/// <summary>The expression networks PersonalFer can build.</summary>
public enum ModelArchitecture
{
    /// <summary>The seed project's CNN: 2,345,607 parameters, no normalization layers.</summary>
    Seed,
}
