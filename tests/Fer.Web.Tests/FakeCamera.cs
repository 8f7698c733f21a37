using System.Diagnostics;
using PersonalFer.Tests;

namespace PersonalFer.Web.Tests;

/// <summary>
/// The video chromium's fake camera plays: the team's test clip (<c>shared/media/short_hamilton_clip.mp4</c>, not part
/// of the repository) converted by Debian's ffmpeg into an MJPEG file in the test's own folder, which chromium loops.
/// </summary>
internal static class FakeCamera
{
    private const string ClipPath = "media/short_hamilton_clip.mp4";

    /// <summary>The clip as <c>clip.mjpeg</c> in <paramref name="folder"/>, or skips the test when the shared folder lacks it.</summary>
    public static string Clip(string folder)
    {
        var clip = SharedFiles.Root is { } root ? Path.Combine(root, ClipPath) : null;
        if (clip is null || !File.Exists(clip))
        {
            Assert.Skip($"Needs the test clip shared/{ClipPath}, which is not part of the repository: " +
                (SharedFiles.Root is null ? "../shared is absent (set PERSONALFER_SHARED to the shared folder)." : $"it is absent from {SharedFiles.Root}."));
        }

        var mjpeg = Path.Combine(folder, "clip.mjpeg");
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "-v", "error", "-y", "-i", clip!, "-vf", "scale=640:-2,fps=15", "-q:v", "5", "-an", "-f", "mjpeg", mjpeg })
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
            var errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0 && File.Exists(mjpeg), $"ffmpeg could not convert {clip}: {errors}");
        }

        return mjpeg;
    }
}
