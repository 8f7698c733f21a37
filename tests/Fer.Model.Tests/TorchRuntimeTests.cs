using System.Runtime.InteropServices;
using PersonalFer.Model.Native;
using static TorchSharp.torch;

namespace PersonalFer.Model.Tests;

public sealed class TorchRuntimeTests
{
    [Fact]
    public void Conv2d_runs_forward_and_backward()
    {
        TorchRuntime.EnsureInitialized();
        using var scope = NewDisposeScope();
        random.manual_seed(7);
        using var conv = nn.Conv2d(1, 4, 3);
        var input = randn(2, 1, 8, 8);
        var output = conv.forward(input);
        Assert.Equal([2L, 4, 6, 6], output.shape);

        output.square().mean().backward();
        var gradient = conv.weight!.grad;
        Assert.NotNull(gradient);
        Assert.Equal([4L, 1, 3, 3], gradient.shape);
        Assert.True(gradient.abs().sum().item<float>() > 0f, "the backward pass produced an all-zero gradient");
    }

    [Fact]
    public void Patch_is_applied_exactly_when_the_system_libstdcxx_lacks_GLIBCXX_3_4_32()
    {
        TorchRuntime.EnsureInitialized();
        var systemHasIt = NativeTestLibraries.SystemLibStdCxxVersions().Contains(GlibcxxCompatPatch.MissingVersion);
        Assert.Equal(!systemHasIt, TorchRuntime.UsesPatchedLibrary);
        Assert.False(string.IsNullOrEmpty(TorchRuntime.Description));
    }

    [Fact]
    public void Patched_copy_loads_where_the_original_does_not()
    {
        TorchRuntime.EnsureInitialized();
        Assert.SkipWhen(NativeTestLibraries.SystemLibStdCxxVersions().Contains(GlibcxxCompatPatch.MissingVersion),
            "this system's libstdc++ already provides GLIBCXX_3.4.32: the original library loads and no patch is needed.");

        var original = NativeTestLibraries.TorchSharpLibrary();
        Assert.False(NativeLibrary.TryLoad(original, out _), $"{original} loaded although GLIBCXX_3.4.32 is missing");

        var directory = Directory.CreateTempSubdirectory("fer-patch-").FullName;
        var image = ElfImage.Load(original);
        GlibcxxCompatPatch.Apply(image);
        File.WriteAllBytes(Path.Combine(directory, "libLibTorchSharp.so"), image.Bytes);
        File.Copy(NativeTestLibraries.CompatLibrary(), Path.Combine(directory, GlibcxxCompatPatch.CompatLibraryFileName));
        Assert.True(NativeLibrary.TryLoad(Path.Combine(directory, "libLibTorchSharp.so"), out var handle));
        Assert.True(NativeLibrary.TryGetExport(handle, "THSTorch_manual_seed", out _));
    }

    [Fact]
    public void A_missing_libtorch_names_the_runtime_packages_to_add()
    {
        var message = TorchRuntime.MissingRuntimeMessage("libtorch_cpu.so not found next to the application");

        Assert.Contains("`dotnet add package TorchSharp-cpu`", message, StringComparison.Ordinal);
        Assert.Contains("`dotnet add package libtorch-cpu-linux-x64 --version 2.10.0`", message, StringComparison.Ordinal);
        Assert.Contains("TorchSharp-cuda-", message, StringComparison.Ordinal);
        Assert.EndsWith("(libtorch_cpu.so not found next to the application).", message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_libtorch_version_named_is_the_one_the_tests_run_with()
    {
        // TorchSharp loads only the libtorch it was built against; the tests reference it through TorchSharp-cpu.
        var version = System.Text.RegularExpressions.Regex.Match(TorchRuntime.MissingRuntimeMessage(""), "libtorch-cpu-linux-x64 --version ([0-9.]+)`").Groups[1].Value;
        var deps = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fer.Model.Tests.deps.json"));
        Assert.Contains($"\"libtorch-cpu-linux-x64/{version}\"", deps, StringComparison.Ordinal);
    }
}
