namespace PersonalFer.Model;

/// <summary>What the CPU computes natively, where it matters for choosing a code path.</summary>
internal static class CpuFeatures
{
    /// <summary>
    /// True when the CPU has bfloat16 arithmetic (AVX-512 BF16 or AMX-BF16), read from the kernel's CPU flags;
    /// false where they cannot be read (non-Linux), so the safe float32 path is kept there.
    /// </summary>
    public static bool HasNativeBFloat16 { get; } = ReadHasNativeBFloat16();

    private static bool ReadHasNativeBFloat16()
    {
        const string CpuInfo = "/proc/cpuinfo";
        if (!OperatingSystem.IsLinux() || !File.Exists(CpuInfo))
        {
            return false;
        }

        var flags = File.ReadLines(CpuInfo).FirstOrDefault(line => line.StartsWith("flags", StringComparison.Ordinal));
        return flags is not null && flags.Split([' ', '\t', ':'], StringSplitOptions.RemoveEmptyEntries)
            .Any(flag => flag is "avx512_bf16" or "amx_bf16");
    }
}
