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
}
