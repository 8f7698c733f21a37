using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using PersonalFer.Tests;

namespace PersonalFer.Web.Tests;

/// <summary>
/// samples/Fer.Web running for real: its built Fer.Web.dll started with <c>dotnet</c> as a child process, Kestrel on
/// a free loopback port (port 0, read back from the app's "Now listening on" line) and a SQLite file in a fresh
/// temporary folder. One app serves every test in a class; the folder goes with it.
/// </summary>
public sealed partial class WebAppFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromMinutes(2);

    private readonly StringBuilder _log = new();
    private Process? _process;

    /// <summary>A folder of the fixture's own (database, converted clip), deleted at the end.</summary>
    public string Folder { get; } = Directory.CreateTempSubdirectory("fer-web-tests-").FullName;

    /// <summary>The SQLite file the app stores profiles in.</summary>
    public string DatabasePath => Path.Combine(Folder, "profiles.db");

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>ws://127.0.0.1:port/ws</summary>
    public Uri WebSocketAddress => new($"ws://{BaseAddress.Authority}/ws");

    /// <summary>What the app has written to stdout and stderr so far, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public async ValueTask InitializeAsync()
    {
        // The app is built next to this project, in the same configuration and framework.
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var app = Path.Combine(SharedFiles.RepositoryRoot, "samples", "Fer.Web", "bin", output.Parent!.Name, output.Name, "Fer.Web.dll");
        Assert.True(File.Exists(app), $"{app} is missing: build samples/Fer.Web (building this test project does).");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Folder };
        foreach (var argument in new[] { app, "--urls", "http://127.0.0.1:0", "--FerWeb:Database", DatabasePath })
        {
            start.ArgumentList.Add(argument);
        }

        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data, listening);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data, listening);
        _process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"Fer.Web exited with {_process.ExitCode} before listening:\n{Log}"));
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        BaseAddress = await listening.Task.WaitAsync(StartLimit);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        Directory.Delete(Folder, recursive: true);
    }

    private void OnLine(string? line, TaskCompletionSource<Uri> listening)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }

        if (ListeningLine().Match(line) is { Success: true } match)
        {
            listening.TrySetResult(new Uri(match.Groups[1].Value + "/"));
        }
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
