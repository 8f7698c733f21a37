namespace PersonalFer.Model.Tests;

/// <summary>
/// The default inference precision follows the CPU's flags: bfloat16 only where it is native, because emulated
/// bfloat16 is 4–6× slower than float32 (docs/BENCHMARKS.md).
/// </summary>
public sealed class CpuFeaturesTests
{
    // Flags lines as /proc/cpuinfo prints them, shortened: the first is this project's machine on 2026-11-29
    // evening; the other two carry the flags such CPUs report (AVX-512 BF16 on Zen 4, AMX on Sapphire Rapids).
    private const string ZenWithAvx2Only =
        "flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr sse sse2 ht syscall nx avx f16c rdrand hypervisor bmi1 avx2 smep bmi2 erms sha_ni vaes vpclmulqdq rdpid fsrm";
    private const string ZenWithAvx512Bf16 =
        "flags\t\t: fpu vme de pse tsc avx f16c avx2 avx512f avx512dq avx512cd avx512bw avx512vl avx512_bf16 clzero avx512vbmi avx512_vnni";
    private const string XeonWithAmx =
        "flags\t\t: fpu vme de pse tsc avx2 avx512f avx512_vnni avx512_fp16 amx_bf16 amx_tile amx_int8";

    [Theory]
    [InlineData(ZenWithAvx2Only, false)]
    [InlineData(ZenWithAvx512Bf16, true)]
    [InlineData(XeonWithAmx, true)]
    public void Native_bfloat16_is_read_from_the_cpu_flags(string flagsLine, bool expected)
    {
        string[] cpuInfo = ["processor\t: 0", "vendor_id\t: AuthenticAMD", "model name\t: AMD EPYC", flagsLine, "bugs\t\t: sysret_ss_attrs"];

        Assert.Equal(expected, CpuFeatures.HasNativeBFloat16In(cpuInfo));
    }

    [Fact]
    public void A_flag_that_only_contains_the_name_does_not_count_and_missing_flags_mean_float32()
    {
        Assert.False(CpuFeatures.HasNativeBFloat16In(["flags\t\t: avx512_bf16x amx_bf16_tile"]));
        Assert.False(CpuFeatures.HasNativeBFloat16In(["processor\t: 0", "model name\t: some arm core"]));
        Assert.False(CpuFeatures.HasNativeBFloat16In([]));
    }

    [Theory]
    [InlineData("AVX2", true)]
    [InlineData("avx512_core_vnni", true)]
    [InlineData(" SSE41 ", true)]
    [InlineData("AVX512_CORE_BF16", false)]
    [InlineData("AVX512_CORE_AMX", false)]
    [InlineData("DEFAULT", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Capping_onednn_below_bfloat16_counts_as_a_cpu_without_it(string? maxIsa, bool capped)
    {
        Assert.Equal(capped, CpuFeatures.CapsBelowBFloat16(maxIsa));
    }

    [Fact]
    public void A_model_defaults_to_bfloat16_exactly_where_this_cpu_computes_it_natively()
    {
        using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 1);

        Assert.Equal(CpuFeatures.HasNativeBFloat16 ? InferencePrecision.BFloat16 : InferencePrecision.Float32, model.Precision);
    }
}
