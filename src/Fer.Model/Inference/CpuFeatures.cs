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
    /// <remarks>
    /// A process that caps oneDNN's instruction set below bfloat16 (<c>ONEDNN_MAX_CPU_ISA</c>, e.g. <c>AVX2</c>)
    /// computes bfloat16 the slow way whatever the CPU has, so it counts as without.
    /// </remarks>
    public static bool HasNativeBFloat16 { get; } =
        OperatingSystem.IsLinux() && File.Exists(CpuInfoPath) && HasNativeBFloat16In(File.ReadLines(CpuInfoPath))
        && !CapsBelowBFloat16(Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA"));

    /// <summary>Whether an <c>ONEDNN_MAX_CPU_ISA</c> value names an instruction set without bfloat16 arithmetic.</summary>
    internal static bool CapsBelowBFloat16(string? maxIsa) =>
        maxIsa?.Trim().ToUpperInvariant() is "SSE41" or "AVX" or "AVX2" or "AVX2_VNNI" or "AVX2_VNNI_2" or "AVX512_CORE" or "AVX512_CORE_VNNI";

    /// <summary>Whether the first <c>flags</c> line of a /proc/cpuinfo text names a native bfloat16 unit.</summary>
    internal static bool HasNativeBFloat16In(IEnumerable<string> cpuInfoLines)
    {
        var flags = cpuInfoLines.FirstOrDefault(line => line.StartsWith("flags", StringComparison.Ordinal));
        return flags is not null && flags.Split([' ', '\t', ':'], StringSplitOptions.RemoveEmptyEntries)
            .Any(flag => flag is "avx512_bf16" or "amx_bf16");
    }
}
