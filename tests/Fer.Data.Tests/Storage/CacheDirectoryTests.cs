namespace PersonalFer.Data.Tests;

public sealed class CacheDirectoryTests
{
    [Fact]
    public void A_cache_file_that_cannot_be_written_names_its_folder_and_the_variable_that_moves_it()
    {
        var root = Directory.CreateTempSubdirectory("fer-cache-").FullName;
        try
        {
            // A folder below a regular file can never be created, whoever runs the test (root ignores permissions).
            var blocker = Path.Combine(root, "file");
            File.WriteAllText(blocker, "");
            var folder = Path.Combine(blocker, "models");

            var error = Assert.Throws<CacheDirectoryException>(() => CacheDirectory.Write(Path.Combine(folder, "model.onnx"), [1, 2, 3]));

            Assert.Equal(folder, error.Directory);
            Assert.Equal("PERSONALFER_CACHE", error.EnvironmentVariable);
            Assert.IsAssignableFrom<IOException>(error.InnerException);
            Assert.StartsWith($"PersonalFer could not write to its cache folder {folder} (", error.Message, StringComparison.Ordinal);
            Assert.EndsWith("; set the environment variable PERSONALFER_CACHE to a writable folder.", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void A_writable_cache_file_is_written()
    {
        var root = Directory.CreateTempSubdirectory("fer-cache-").FullName;
        try
        {
            var path = Path.Combine(root, "models", "model.onnx");
            CacheDirectory.Write(path, [1, 2, 3]);
            Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
