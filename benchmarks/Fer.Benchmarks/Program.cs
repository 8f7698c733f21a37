// PersonalFer's benchmarks. Run all:  dotnet run -c Release --project benchmarks/Fer.Benchmarks -- --filter '*'
// FER2013 comes from ../shared/data/fer2013 (or $PERSONALFER_SHARED). Results: docs/BENCHMARKS.md.
using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
