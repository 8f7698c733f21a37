namespace PersonalFer.Model;

/// <summary>The optimizer the trainer uses.</summary>
public enum OptimizerKind
{
    /// <summary>SGD with Nesterov momentum.</summary>
    Sgd,

    /// <summary>AdamW (decoupled weight decay).</summary>
    AdamW,
}
