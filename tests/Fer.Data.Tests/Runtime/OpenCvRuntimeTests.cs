namespace PersonalFer.Data.Tests;

public sealed class OpenCvRuntimeTests
{
    [Fact]
    public void A_missing_native_library_names_the_runtime_package()
    {
        var message = OpenCvRuntime.MissingRuntimeMessage(libraryFile: null, "Unable to load shared library 'OpenCvSharpExtern'");

        Assert.Contains("`dotnet add package OpenCvSharp4.official.runtime.linux-x64`", message, StringComparison.Ordinal);
        Assert.EndsWith("(Unable to load shared library 'OpenCvSharpExtern').", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_native_library_that_is_there_but_does_not_load_points_at_its_dependencies()
    {
        var message = OpenCvRuntime.MissingRuntimeMessage("/app/libOpenCvSharpExtern.so", "libgtk-3.so.0: cannot open shared object file");

        Assert.Contains("/app/libOpenCvSharpExtern.so is there but did not load", message, StringComparison.Ordinal);
        Assert.Contains("`apt-get install libgtk-3-0`", message, StringComparison.Ordinal);
        Assert.DoesNotContain("dotnet add package", message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_runtime_referenced_by_the_tests_loads()
    {
        OpenCvRuntime.EnsureLoaded();
    }
}
