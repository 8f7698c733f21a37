// PersonalFer's benchmarks. Run all:  dotnet run -c Release --project benchmarks/Fer.Benchmarks -- --filter '*'
// Every target in one run, beside the seed anchor:  dotnet run -c Release --project benchmarks/Fer.Benchmarks -- targets
// FER2013 comes from ../shared/data/fer2013 (or $PERSONALFER_SHARED). Results: docs/BENCHMARKS.md.
using BenchmarkDotNet.Running;
using PersonalFer.Benchmarks.Targets;

return args switch
{
    ["targets"] => TargetSuite.Run(),
    ["measure"] => TargetMeasurement.Run(), // one configuration, started by "targets"
    ["measure-cold"] => TargetMeasurement.ColdStart(), // one cold start, started by "targets"
    _ => Run(args),
};

static int Run(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    return 0;
}
