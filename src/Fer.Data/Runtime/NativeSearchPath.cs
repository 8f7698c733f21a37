namespace PersonalFer.Data;

/// <summary>
/// Where the .NET host looks for an application's native libraries: the folders of its packages' native assets
/// (<c>NATIVE_DLL_SEARCH_DIRECTORIES</c>, which the host fills from the app's deps.json), then the app's own folder.
/// Both runtime checks (OpenCV's and TorchSharp's) look there to tell a missing package from a library that fails to load.
/// </summary>
internal static class NativeSearchPath
{
    /// <summary>The host's native search folders, in its order.</summary>
    public static List<string> HostDirectories()
    {
        var directories = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string hostDirectories)
        {
            directories.AddRange(hostDirectories.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        }

        directories.Add(AppContext.BaseDirectory);
        return directories;
    }

    /// <summary>The first existing file named one of <paramref name="fileNames"/> in <paramref name="directories"/>, or null.</summary>
    public static string? Find(IEnumerable<string> directories, params string[] fileNames) =>
        directories.SelectMany(d => fileNames.Select(n => Path.Combine(d, n))).FirstOrDefault(File.Exists);
}
