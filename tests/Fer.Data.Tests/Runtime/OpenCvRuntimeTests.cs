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

    [Theory]
    [InlineData(null, "Unable to load shared library 'OpenCvSharpExtern' or one of its dependencies")]
    [InlineData("/app/libOpenCvSharpExtern.so", "/app/libOpenCvSharpExtern.so: libgtk-3.so.0: cannot open shared object file: No such file or directory")]
    public void Only_the_line_of_the_loader_message_that_matters_is_kept(string? libraryFile, string expected)
    {
        // The shape of .NET's DllNotFoundException message on Linux: a sentence, then every path it tried.
        const string message = """
            Unable to load shared library 'OpenCvSharpExtern' or one of its dependencies. In order to help diagnose loading problems, consider using a tool like strace. If you're using glibc, consider setting the LD_DEBUG environment variable:
            /app/OpenCvSharpExtern.so: cannot open shared object file: No such file or directory
            /app/libOpenCvSharpExtern.so: libgtk-3.so.0: cannot open shared object file: No such file or directory
            """;

        Assert.Equal(expected, OpenCvRuntime.Reason(message, libraryFile));
    }

    [Fact]
    public void The_runtime_referenced_by_the_tests_loads()
    {
        OpenCvRuntime.EnsureLoaded();
    }
}
