using CsCheck;
using PersonalFer.Probe;

// Fuzzes the public API's native paths (OpenCV, libtorch) in a process of its own, so that a crash fails the test
// that started it instead of killing the test host. Usage: Fer.Probe <scenario> <iterations> [seed]
// Prints one summary line and exits 0 when every input gave a result or a documented exception; on any other
// exception it prints the smallest failing input CsCheck found and exits 1. The input running when the process dies
// is in the file named by PERSONALFER_PROBE_LAST (if set).
if (args is ["soak", var classifyCalls, var fineTunes])
{
    // Usage: Fer.Probe soak <Classify calls> <FineTune calls>: a Markdown table of resident memory as they run.
    Soak.Run(int.Parse(classifyCalls, System.Globalization.CultureInfo.InvariantCulture), int.Parse(fineTunes, System.Globalization.CultureInfo.InvariantCulture));
    return 0;
}

if (args is ["first-use", var mode])
{
    // Usage: Fer.Probe first-use plain|logged|services|unwritable: what the first use of the model writes (FirstUse.cs).
    return FirstUse.Run(mode);
}

if (args is ["warmup", var warmUpMode and ("cold" or "warm")])
{
    // Usage: Fer.Probe warmup cold|warm: one Markdown row, load, warm-up, first Classify and later ones (ms).
    WarmUp.Run(warmUpMode == "warm");
    return 0;
}

if (args.Length < 2 || !long.TryParse(args[1], out var iterations))
{
    Console.Error.WriteLine($"usage: Fer.Probe <{string.Join('|', Scenarios.Names)}> <iterations> [seed]");
    return 2;
}

var seed = args.Length > 2 ? args[2] : null;
using var scenarios = new Scenarios(Environment.GetEnvironmentVariable("PERSONALFER_PROBE_LAST"));
try
{
    var summary = scenarios.Run(args[0], iterations, seed);
    Console.WriteLine(summary);
    return 0;
}
catch (CsCheckException e)
{
    Console.WriteLine(e.Message);
    Console.WriteLine(e.InnerException);
    return 1;
}
catch (ArgumentException e) when (e.ParamName == "scenario")
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
