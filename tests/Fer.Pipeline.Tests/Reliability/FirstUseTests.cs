using PersonalFer.Model;

namespace PersonalFer.Pipeline.Tests;

/// <summary>
/// Nothing is written to the user's home until PersonalFer is used, and the first use of the model prepares the
/// native runtime, logs it and names an unwritable cache folder: run by tests/Fer.Probe (FirstUse.cs) in a child
/// process whose home is an empty temporary folder, since this test host prepared its runtime when it started.
/// </summary>
public sealed class FirstUseTests
{
    [Fact]
    public void Using_types_writes_nothing_and_loading_the_model_prepares_the_runtime()
    {
        var output = RunInEmptyHome("plain", out var home);

        Assert.DoesNotContain("before:", output, StringComparison.Ordinal);
        if (TorchRuntime.UsesPatchedLibrary)
        {
            var native = Path.Combine(home, ".cache", "personalfer", "native");
            Assert.Contains($"runtime: patched: {native}", output, StringComparison.Ordinal);
            Assert.Matches(@"after: \.cache/personalfer/native/[0-9a-f]{16}/libLibTorchSharp\.so", output);
            Assert.Matches(@"after: \.cache/personalfer/native/[0-9a-f]{16}/libpersonalfer_glibcxx_compat\.so", output);
        }
        else
        {
            Assert.Contains("runtime: not needed", output, StringComparison.Ordinal);
            Assert.DoesNotContain("after:", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_first_preparation_is_logged_with_its_event_id()
    {
        var output = RunInEmptyHome("logged", out var home);

        if (TorchRuntime.UsesPatchedLibrary)
        {
            Assert.Contains($"log 3901: TorchSharp's native runtime patched: ", output, StringComparison.Ordinal);
            Assert.Contains($"so the patched copy {Path.Combine(home, ".cache", "personalfer", "native")}", output, StringComparison.Ordinal);
            Assert.Contains("(written in the cache;", output, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("log 3900: TorchSharp's native runtime loads as shipped", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AddPersonalFer_logs_the_preparation_to_the_hosts_logger_factory()
    {
        var output = RunInEmptyHome("services", out _);

        Assert.DoesNotContain("before:", output, StringComparison.Ordinal); // building the container writes nothing
        Assert.Contains(
            TorchRuntime.UsesPatchedLibrary ? "log 3901 PersonalFer.Model.TorchRuntime: TorchSharp's native runtime patched: " : "log 3900 PersonalFer.Model.TorchRuntime: ",
            output,
            StringComparison.Ordinal);
    }

    [Fact]
    public void An_unwritable_cache_folder_is_named_with_the_variable_that_moves_it()
    {
        var home = Directory.CreateTempSubdirectory("fer-first-use-").FullName;
        try
        {
            // A folder below a regular file can never be created, whoever runs the test (root ignores permissions).
            var blocker = Path.Combine(home, "not-a-folder");
            File.WriteAllText(blocker, "");
            var cache = Path.Combine(blocker, "cache");
            var (exitCode, output) = ProbeProcess.Run(Environment(home, cache), "first-use", "unwritable");

            Assert.True(exitCode == 0, output);
            Assert.Contains($"detector: CacheDirectoryException: PersonalFer could not write to its cache folder {Path.Combine(cache, "models")} (", output, StringComparison.Ordinal);
            Assert.Contains("set the environment variable PERSONALFER_CACHE to a writable folder.", output, StringComparison.Ordinal);
            Assert.Contains(
                TorchRuntime.UsesPatchedLibrary ? $"model: CacheDirectoryException: PersonalFer could not write to its cache folder {Path.Combine(cache, "native")}" : "model: no exception",
                output,
                StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private static string RunInEmptyHome(string mode, out string home)
    {
        home = Directory.CreateTempSubdirectory("fer-first-use-").FullName;
        try
        {
            var (exitCode, output) = ProbeProcess.Run(Environment(home, cache: null), "first-use", mode);
            Assert.True(exitCode == 0, output);
            return output;
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private static Dictionary<string, string?> Environment(string home, string? cache) => new()
    {
        ["HOME"] = home,
        ["XDG_CACHE_HOME"] = null,
        ["PERSONALFER_CACHE"] = cache,
        ["PERSONALFER_NATIVE_CACHE"] = null,
    };
}
