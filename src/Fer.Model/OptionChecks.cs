namespace PersonalFer.Model;

/// <summary>Range checks for option values that also refuse NaN and infinities (plain comparisons let NaN through).</summary>
internal static class OptionChecks
{
    /// <summary>Throws unless <paramref name="value"/> is finite and at least 0.</summary>
    public static void NotNegative(double value, string name)
    {
        if (!(double.IsFinite(value) && value >= 0))
        {
            throw new ArgumentOutOfRangeException(name, value, "must be a finite number of at least 0");
        }
    }

    /// <summary>Throws unless <paramref name="value"/> lies in [<paramref name="low"/>, <paramref name="high"/>), or [low, high] when <paramref name="highIncluded"/>.</summary>
    public static void InRange(double value, double low, double high, string name, bool highIncluded = false)
    {
        if (!(value >= low && (highIncluded ? value <= high : value < high)))
        {
            throw new ArgumentOutOfRangeException(name, value, $"must be in [{low}, {high}{(highIncluded ? "]" : ")")}");
        }
    }
}
