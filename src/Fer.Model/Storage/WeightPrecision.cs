namespace PersonalFer.Model;

/// <summary>How a model file stores its weights.</summary>
public enum WeightPrecision
{
    /// <summary>32-bit floats, exactly as trained (TorchSharp's state-dict format).</summary>
    Float32,

    /// <summary>16-bit floats: half the size; each weight rounded to about three significant digits.</summary>
    Float16,
}
