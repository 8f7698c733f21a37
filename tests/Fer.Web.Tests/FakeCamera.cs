using System.Diagnostics;
using PersonalFer.Tests;

namespace PersonalFer.Web.Tests;

/// <summary>
/// Videos for chromium's fake camera, made by Debian's ffmpeg as MJPEG files (which chromium loops) in the test's own
/// folder: one from the bundled public-domain astronaut photo, which runs anywhere and makes the screenshot the
/// README shows, and one from the team's test clip (<c>shared/media/short_hamilton_clip.mp4</c>), whose real,
/// moving faces cannot be part of the repository.
/// </summary>
internal static class FakeCamera
{
    private const string ClipPath = "media/short_hamilton_clip.mp4";

    /// <summary>Her head, upright in a 640×360 frame, as a 3-second still video.</summary>
    public static string Photo(string folder) =>
        Convert(Path.Combine(AppContext.BaseDirectory, "media", "astronaut.png"), ["-loop", "1", "-t", "3"],
            "crop=320:320:67:0,scale=360:360,pad=640:360:140:0:color=0x8c8278", Path.Combine(folder, "astronaut.mjpeg"));

    /// <summary>The test clip at 640 px wide, or skips the test when the shared folder lacks it.</summary>
    public static string Clip(string folder)
    {
        var clip = SharedFiles.Root is { } root ? Path.Combine(root, ClipPath) : null;
        if (clip is null || !File.Exists(clip))
        {
            Assert.Skip($"Needs the test clip shared/{ClipPath}, which is not part of the repository: " +
                (SharedFiles.Root is null ? "../shared is absent (set PERSONALFER_SHARED to the shared folder)." : $"it is absent from {SharedFiles.Root}."));
        }

        return Convert(clip!, [], "scale=640:-2", Path.Combine(folder, "clip.mjpeg"));
    }

    // chromium's MJPEG reader takes 4:2:0 frames only; a PNG would otherwise become 4:4:4 JPEGs, shown as green.
    private static string Convert(string input, string[] inputOptions, string filter, string output)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in (string[])["-v", "error", "-y", .. inputOptions, "-i", input, "-vf", $"{filter},fps=15", "-pix_fmt", "yuvj420p", "-q:v", "5", "-an", "-f", "mjpeg", output])
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("ffmpeg is not installed: run scripts/install-prerequisites.sh (./build.sh does).", e);
        }

        using (process)
        {
            var errors = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0 && File.Exists(output), $"ffmpeg could not convert {input}: {errors.Result}");
        }

        return output;
    }
}
