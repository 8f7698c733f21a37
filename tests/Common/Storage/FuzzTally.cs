namespace PersonalFer.Tests;

/// <summary>
/// Counts how a fuzzed reader answered, across CsCheck's threads, so a test can show its inputs were neither all
/// refused nor all accepted: a generator that only ever produced one kind would prove nothing.
/// </summary>
internal sealed class FuzzTally
{
    private int _loaded;
    private int _refused;

    public int Loaded => _loaded;

    public int Refused => _refused;

    public void CountLoaded() => Interlocked.Increment(ref _loaded);

    public void CountRefused() => Interlocked.Increment(ref _refused);

    /// <summary>Both answers occurred.</summary>
    public void AssertBoth()
    {
        Assert.True(_loaded > 0, $"no input loaded ({_refused} refused): the mutations never leave a file readable");
        Assert.True(_refused > 0, $"no input was refused ({_loaded} loaded): the mutations never damage the file");
    }
}
