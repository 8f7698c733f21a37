using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PersonalFer.Data;
using PersonalFer.Detection;
using PersonalFer.Model;

namespace PersonalFer.Probe;

/// <summary>
/// What a process writes before and at the first use of PersonalFer, run with the home and cache folders pointed at
/// an empty temporary folder (tests/Fer.Pipeline.Tests/Runtime/FirstUseTests): it uses PersonalFer types that need no
/// native code, lists every file under the home folder, then loads the default model (through
/// <see cref="TorchRuntime.EnsureInitialized(ILogger?)"/> with a logger first when <c>logged</c>) and lists again.
/// Output lines: <c>before: &lt;file&gt;</c>, <c>log &lt;event id&gt;: &lt;message&gt;</c>, <c>runtime: …</c>,
/// <c>after: &lt;file&gt;</c>. With <c>services</c>, the model comes from <c>AddPersonalFer()</c> with a logger factory in
/// the container, and log lines carry their category. With <c>unwritable</c> (the cache pointed at a folder that cannot be made), it builds a
/// detector and loads the model and prints <c>detector: …</c> and <c>model: …</c>, the exception each raised.
/// </summary>
internal static class FirstUse
{
    public static int Run(string mode)
    {
        if (mode == "unwritable")
        {
            Console.WriteLine($"detector: {Outcome(() => new YuNetFaceDetector().Dispose())}");
            Console.WriteLine($"model: {Outcome(() => ExpressionModel.LoadDefault().Dispose())}");
            return 0;
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

        // Types of every package, used as a host would before its first request: options, manifests, enums, paths.
        var options = new PersonalFerOptions { Detector = new YuNetOptions { MaxDetectionSide = 320 } };
        var manifest = ModelManifest.For(ModelArchitecture.VggBn);
        var training = new TrainingOptions();
        Console.WriteLine($"used: {options.Detector.MaxDetectionSide} {manifest.Architecture} {training.Epochs} {Expressions.Count} {CacheDirectory.Root}");
        Print("before", home);

        if (mode == "services")
        {
            using var provider = new ServiceCollection().AddSingleton<ILoggerFactory>(new ConsoleLoggerFactory()).AddPersonalFer().BuildServiceProvider();
            Print("before", home);
            _ = provider.GetRequiredService<ExpressionModel>();
            Console.WriteLine($"runtime: {TorchRuntime.Description}");
            return 0;
        }

        if (mode == "logged")
        {
            TorchRuntime.EnsureInitialized(new ConsoleLogger(category: null));
        }

        using var model = ExpressionModel.LoadDefault();
        Console.WriteLine($"runtime: {TorchRuntime.Description}");
        Print("after", home);
        return 0;
    }

    private static string Outcome(Action action)
    {
        try
        {
            action();
            return "no exception";
        }
        catch (PersonalFerException e)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }

    private static void Print(string stage, string root)
    {
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            Console.WriteLine($"{stage}: {Path.GetRelativePath(root, file)}");
        }
    }

    private sealed class ConsoleLoggerFactory : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new ConsoleLogger(categoryName);

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }
    }

    private sealed class ConsoleLogger(string? category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Console.WriteLine($"log {eventId.Id}{(category is null ? "" : $" {category}")}: {formatter(state, exception)}");
    }
}
