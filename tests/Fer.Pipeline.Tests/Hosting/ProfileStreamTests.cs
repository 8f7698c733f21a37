using System.IO.Compression;
using PersonalFer.Tests;

namespace PersonalFer.Pipeline.Tests;

/// <summary>
/// Profiles saved to and loaded from streams (a database blob, a request body): the file's content and checks, from
/// streams that cannot seek, and nothing written when a save is refused.
/// </summary>
public sealed class ProfileStreamTests(ShippedModel shipped) : IClassFixture<ShippedModel>, IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("fer-profile-stream-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void A_profile_saved_to_a_stream_is_the_file_and_loads_back_from_a_stream_that_cannot_seek()
    {
        using var profile = shipped.Personalizer.FineTune(EncodedImageClassifyTests.Samples(), "streamed").Profile;
        var path = Path.Combine(_directory.FullName, "p.ferprofile");
        profile.Save(path);
        using var written = ForwardOnlyStream.Writing();
        profile.Save(written);

        using var fromFile = PersonalProfile.Load(path, shipped.Model);
        using var fromStream = PersonalProfile.Load(ForwardOnlyStream.Reading(written.Written), shipped.Model);
        using var fileStream = File.OpenRead(path);
        using var fromFileStream = PersonalProfile.Load(fileStream, shipped.Model);

        var fileEntries = Entries(File.ReadAllBytes(path));
        var streamEntries = Entries(written.Written);
        Assert.Equal(fileEntries.Select(e => e.Name), streamEntries.Select(e => e.Name));
        Assert.All(fileEntries.Zip(streamEntries), pair => Assert.Equal(pair.First.Content, pair.Second.Content));
        using var frame = TestPhotos.Astronaut();
        var expected = shipped.Pipeline.Classify(frame, profile);
        EncodedImageClassifyTests.AssertSame(expected, shipped.Pipeline.Classify(frame, fromStream));
        EncodedImageClassifyTests.AssertSame(expected, shipped.Pipeline.Classify(frame, fromFileStream));
        Assert.Equal((fromFile.Name, fromFile.Created, fromFile.Framing), (fromStream.Name, fromStream.Created, fromStream.Framing));
        Assert.Equal(fromFile.FacesPerExpression, fromStream.FacesPerExpression);
    }

    [Fact]
    public void Truncated_foreign_and_oversized_streams_are_profile_format_errors_naming_the_stream()
    {
        using var profile = shipped.Personalizer.FineTune(EncodedImageClassifyTests.Samples(), "streamed").Profile;
        using var written = new MemoryStream();
        profile.Save(written);
        var bytes = written.ToArray();
        using var other = PersonalFer.Model.ExpressionModel.Create(PersonalFer.Model.ModelArchitecture.VggBn, seed: 3);

        var truncated = Assert.Throws<ProfileFormatException>(() => PersonalProfile.Load(ForwardOnlyStream.Reading(bytes[..(bytes.Length - 30)]), shipped.Model));
        Assert.Equal("profile stream", truncated.File);
        Assert.Contains("other general model weights", Assert.Throws<ProfileFormatException>(() => PersonalProfile.Load(new MemoryStream(bytes), other)).Message, StringComparison.Ordinal);
        Assert.Throws<ProfileFormatException>(() => PersonalProfile.Load(new MemoryStream(), shipped.Model));
        var oversized = Assert.Throws<ProfileFormatException>(() => PersonalProfile.Load(ForwardOnlyStream.Reading(new byte[140 << 20]), shipped.Model));
        Assert.Contains("more than 135,331,840 bytes", oversized.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Async_saves_and_loads_work_on_streams_that_refuse_synchronous_use()
    {
        using var profile = shipped.Personalizer.FineTune(EncodedImageClassifyTests.Samples(), "async").Profile;
        using var written = ForwardOnlyStream.Writing(asynchronousOnly: true);

        await profile.SaveAsync(written, TestContext.Current.CancellationToken);
        using var loaded = await PersonalProfile.LoadAsync(ForwardOnlyStream.Reading(written.Written, asynchronousOnly: true), shipped.Model, TestContext.Current.CancellationToken);

        Assert.Throws<InvalidOperationException>(() => PersonalProfile.Load(ForwardOnlyStream.Reading(written.Written, asynchronousOnly: true), shipped.Model));
        using var frame = TestPhotos.Astronaut();
        EncodedImageClassifyTests.AssertSame(shipped.Pipeline.Classify(frame, profile), shipped.Pipeline.Classify(frame, loaded));
        var truncated = await Assert.ThrowsAsync<ProfileFormatException>(() => PersonalProfile.LoadAsync(ForwardOnlyStream.Reading(written.Written[..100], asynchronousOnly: true), shipped.Model, TestContext.Current.CancellationToken));
        Assert.Equal("profile stream", truncated.File);
        var oversized = await Assert.ThrowsAsync<ProfileFormatException>(() => PersonalProfile.LoadAsync(new MemoryStream(new byte[140 << 20]), shipped.Model, TestContext.Current.CancellationToken));
        Assert.Contains("more than 135,331,840 bytes", oversized.Message, StringComparison.Ordinal);
    }

    /// <summary>Each entry's name and content (the archives' timestamps are the save's time).</summary>
    private static List<(string Name, byte[] Content)> Entries(byte[] archive)
    {
        using var zip = new ZipArchive(new MemoryStream(archive), ZipArchiveMode.Read);
        return [.. zip.Entries.Select(entry =>
        {
            using var content = new MemoryStream();
            using (var stream = entry.Open())
            {
                stream.CopyTo(content);
            }

            return (entry.FullName, content.ToArray());
        })];
    }

    [Fact]
    public async Task A_disposed_profile_writes_nothing_to_the_stream()
    {
        var profile = shipped.Personalizer.FineTune(EncodedImageClassifyTests.Samples(), "gone").Profile;
        profile.Dispose();
        using var written = ForwardOnlyStream.Writing();

        Assert.Throws<ObjectDisposedException>(() => profile.Save(written));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => profile.SaveAsync(written, TestContext.Current.CancellationToken));

        Assert.Empty(written.Written);
    }
}
