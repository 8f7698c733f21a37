namespace PersonalFer.Pipeline.Tests;

/// <summary>
/// Fuzzing of every public path that reaches OpenCV or libtorch (raw frames, Mats, face boxes, personalization
/// samples, use after disposal), run by tests/Fer.Probe in a child process: a native crash there fails the test
/// with the input that caused it, instead of taking the test host down.
/// </summary>
public sealed class NativeFuzzTests
{
    [Theory]
    [InlineData("frames", 1500)]
    [InlineData("mats", 400)]
    [InlineData("boxes", 3000)]
    [InlineData("personalize", 150)]
    [InlineData("disposal", 60)]
    [InlineData("heads", 400)]
    public void Only_documented_exceptions_come_out_and_nothing_crashes(string scenario, int inputs)
    {
        var lastInput = Path.GetTempFileName();
        try
        {
            var environment = new Dictionary<string, string?> { ["PERSONALFER_PROBE_LAST"] = lastInput };
            var (exitCode, output) = ProbeProcess.Run(environment, scenario, inputs.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var last = File.ReadAllText(lastInput);
            Assert.True(exitCode == 0, $"Fer.Probe {scenario} exited with {exitCode}; last input: {last}\n{output}");
            Assert.Contains($"{scenario}: {inputs} inputs", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(lastInput);
        }
    }
}
