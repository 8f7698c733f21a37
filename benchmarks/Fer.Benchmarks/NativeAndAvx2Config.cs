using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace PersonalFer.Benchmarks;

/// <summary>
/// Two jobs, each in its own process: this CPU as it is, and AVX2 only — oneDNN and ATen capped to AVX2 by the
/// environment variables they read at start-up, which also makes the model default to float32 as it does on a CPU
/// without native bfloat16. On an AVX-512 machine this measures the AVX2 code paths; the clock and caches stay
/// this machine's.
/// </summary>
public sealed class NativeAndAvx2Config : ManualConfig
{
    public NativeAndAvx2Config()
    {
        AddJob(Job.Default.WithId("native"));
        AddJob(Job.Default.WithId("AVX2-emulated").WithEnvironmentVariables(
            new EnvironmentVariable("ONEDNN_MAX_CPU_ISA", "AVX2"),
            new EnvironmentVariable("ATEN_CPU_CAPABILITY", "avx2")));
    }
}
