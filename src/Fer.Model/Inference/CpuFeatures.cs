namespace PersonalFer.Model;

/// <summary>What the CPU computes natively, where it matters for choosing a code path.</summary>
internal static class CpuFeatures
{
    private const string CpuInfoPath = "/proc/cpuinfo";

    /// <summary>
    /// True when the CPU has bfloat16 arithmetic (AVX-512 BF16 or AMX-BF16), read from the kernel's CPU flags;
    /// false where they cannot be read (non-Linux), so the safe float32 path is kept there: emulated bfloat16 is
    /// 4–6× slower than float32 (docs/BENCHMARKS.md).
    /// </summary>
    public static bool HasNativeBFloat16 { get; } =
        OperatingSystem.IsLinux() && File.Exists(CpuInfoPath) && HasNativeBFloat16In(File.ReadLines(CpuInfoPath));

    /// <summary>Whether the first <c>flags</c> line of a /proc/cpuinfo text names a native bfloat16 unit.</summary>
    internal static bool HasNativeBFloat16In(IEnumerable<string> cpuInfoLines)
    {
        var flags = cpuInfoLines.FirstOrDefault(line => line.StartsWith("flags", StringComparison.Ordinal));
        return flags is not null && flags.Split([' ', '\t', ':'], StringSplitOptions.RemoveEmptyEntries)
            .Any(flag => flag is "avx512_bf16" or "amx_bf16");
    }
}
