using System.Diagnostics;
using PersonalFer.Tests;

namespace PersonalFer.Pipeline.Tests;

/// <summary>Runs tests/Fer.Probe in a child process, so a native crash or process-wide state stays out of the test host.</summary>
internal static class ProbeProcess
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    /// <summary>Runs the probe with <paramref name="arguments"/> and the extra <paramref name="environment"/> (a null value removes a variable).</summary>
    public static (int ExitCode, string Output) Run(IReadOnlyDictionary<string, string?> environment, params string[] arguments)
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

        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

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
