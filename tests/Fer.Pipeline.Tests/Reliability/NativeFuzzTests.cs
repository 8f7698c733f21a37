using System.Diagnostics;
using PersonalFer.Tests;

namespace PersonalFer.Pipeline.Tests;

/// <summary>
/// Fuzzing of every public path that reaches OpenCV or libtorch (raw frames, Mats, face boxes, personalization
/// samples, use after disposal), run by tests/Fer.Probe in a child process: a native crash there fails the test
/// with the input that caused it, instead of taking the test host down.
/// </summary>
public sealed class NativeFuzzTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

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
            var (exitCode, output) = RunProbe(lastInput, scenario, inputs.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var last = File.ReadAllText(lastInput);
            Assert.True(exitCode == 0, $"Fer.Probe {scenario} exited with {exitCode}; last input: {last}\n{output}");
            Assert.Contains($"{scenario}: {inputs} inputs", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(lastInput);
        }
    }

    private static (int ExitCode, string Output) RunProbe(string lastInput, params string[] arguments)
    {
        // The probe is built next to this project, in the same configuration and framework.
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var probe = Path.Combine(SharedFiles.RepositoryRoot, "tests", "Fer.Probe", "bin", output.Parent!.Name, output.Name, "Fer.Probe.dll");
        Assert.True(File.Exists(probe), $"{probe} is missing: build tests/Fer.Probe (the solution build does).");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(probe);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PERSONALFER_PROBE_LAST"] = lastInput;
        using var process = Process.Start(start)!;
        var standardError = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var standardOutput = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"timed out after {Limit}\n{standardOutput}");
        }

        return (process.ExitCode, standardOutput + standardError.Result);
    }
}
