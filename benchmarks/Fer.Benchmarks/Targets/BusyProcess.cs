using System.Diagnostics;

namespace PersonalFer.Benchmarks.Targets;

/// <summary>
/// Another process keeping one core busy (a shell loop, at the benchmark's own priority) for as long as it is not
/// disposed: the "one other busy process" of the contention rows.
/// </summary>
internal sealed class BusyProcess : IDisposable
{
    private readonly Process _process;

    private BusyProcess(Process process) => _process = process;

    public static BusyProcess Start()
    {
        var process = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "while :; do :; done"]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("/bin/sh did not start.");
        // Let the scheduler see it as a running task before the measurement starts.
        Thread.Sleep(500);
        return new BusyProcess(process);
    }

    public void Dispose()
    {
        _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }
}
