using System.Text.Json;
using PersonalFer.Data;
using PersonalFer.Tests;

namespace PersonalFer.Model.Tests;

/// <summary>
/// Models saved to and loaded from streams, and loaded asynchronously: the same checks and the same model as files,
/// on the seed network kept in the repository and on the shipped model.
/// </summary>
public sealed class ModelStreamTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("fer-model-stream-");

    // A Seed network with half-precision weights and no replay, saved once per test.
    private readonly string _seedPath;

    public ModelStreamTests()
    {
        _seedPath = Path.Combine(_directory.FullName, "seed.fermodel");
        using var seed = ExpressionModel.Create(ModelArchitecture.Seed, seed: 6);
        seed.Save(_seedPath, WeightPrecision.Float16);
    }

    public void Dispose() => _directory.Delete(recursive: true);

    private static byte[] Faces(int count)
    {
        var faces = new byte[count * FaceImage.PixelCount];
        new Random(3).NextBytes(faces);
        return faces;
    }

    [Fact]
    public void A_model_saved_to_a_stream_loads_back_as_the_file_does_even_from_a_stream_that_cannot_seek()
    {
        using var model = ExpressionModel.Load(_seedPath);
        var path = Path.Combine(_directory.FullName, "m.fermodel");
        model.Save(path);
        using var written = ForwardOnlyStream.Writing();
        model.Save(written);

        using var fromFile = ExpressionModel.Load(path);
        using var fromStream = ExpressionModel.Load(ForwardOnlyStream.Reading(written.Written), ModelArchitecture.Seed);
        using var fileStream = File.OpenRead(path);
        using var fromFileStream = ExpressionModel.Load(fileStream);

        Assert.Equal(fromFile.Fingerprint(), fromStream.Fingerprint());
        Assert.Equal(model.Fingerprint(), fromStream.Fingerprint());
        Assert.Equal(JsonSerializer.Serialize(fromFile.Manifest), JsonSerializer.Serialize(fromStream.Manifest));
        Assert.Equal(fromFile.PredictProbabilities(Faces(3), 3), fromStream.PredictProbabilities(Faces(3), 3));
        Assert.Equal(fromFile.Fingerprint(), fromFileStream.Fingerprint());
    }

    [Fact]
    public void Truncated_wrong_and_empty_streams_are_model_format_errors_naming_the_stream()
    {
        var file = File.ReadAllBytes(_seedPath);

        var truncated = Assert.Throws<ModelFormatException>(() => ExpressionModel.Load(ForwardOnlyStream.Reading(file[..(file.Length / 2)])));
        Assert.StartsWith("model stream: ", truncated.Message, StringComparison.Ordinal);
        Assert.Equal("model stream", truncated.File);
        Assert.Throws<ModelFormatException>(() => ExpressionModel.Load(new MemoryStream([])));
        Assert.Contains("holds a Seed network, not the expected VggBn", Assert.Throws<ModelFormatException>(() => ExpressionModel.Load(new MemoryStream(file), ModelArchitecture.VggBn)).Message, StringComparison.Ordinal);
        using var fileStream = File.OpenRead(_seedPath);
        fileStream.Position = 10;
        Assert.Equal(_seedPath, Assert.Throws<ModelFormatException>(() => ExpressionModel.Load(fileStream)).File);
    }

    [Fact]
    public void A_refused_save_writes_nothing_to_the_stream()
    {
        using var model = ExpressionModel.Load(_seedPath);
        model.Describe(m => m with { Command = new string('x', 5000) });
        using var written = ForwardOnlyStream.Writing();

        Assert.Throws<InvalidOperationException>(() => model.Save(written));

        Assert.Empty(written.Written);
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.Save(written));
        Assert.Empty(written.Written);
    }

    [Fact]
    public async Task SaveAsync_and_LoadAsync_work_on_streams_that_refuse_synchronous_use_and_a_refused_save_writes_nothing()
    {
        using var model = ExpressionModel.Load(_seedPath);
        using var written = ForwardOnlyStream.Writing(asynchronousOnly: true);

        await model.SaveAsync(written, cancellationToken: TestContext.Current.CancellationToken);
        using var loaded = await ExpressionModel.LoadAsync(ForwardOnlyStream.Reading(written.Written, asynchronousOnly: true), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(model.Fingerprint(), loaded.Fingerprint());
        model.Describe(m => m with { Command = new string('x', 5000) });
        using var refused = ForwardOnlyStream.Writing(asynchronousOnly: true);
        await Assert.ThrowsAsync<InvalidOperationException>(() => model.SaveAsync(refused, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Empty(refused.Written);
    }

    [Fact]
    public async Task LoadAsync_gives_the_model_Load_gives_from_a_file_or_a_stream()
    {
        using var loaded = ExpressionModel.Load(_seedPath);
        using var fromPath = await ExpressionModel.LoadAsync(_seedPath, ModelArchitecture.Seed, TestContext.Current.CancellationToken);
        using var fromStream = await ExpressionModel.LoadAsync(ForwardOnlyStream.Reading(File.ReadAllBytes(_seedPath)), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(loaded.Fingerprint(), fromPath.Fingerprint());
        Assert.Equal(loaded.Fingerprint(), fromStream.Fingerprint());
        Assert.Equal(loaded.PredictProbabilities(Faces(2), 2), fromStream.PredictProbabilities(Faces(2), 2));
    }

    [Fact]
    public async Task LoadAsync_reports_missing_files_bad_content_and_cancellation_through_its_task()
    {
        var missing = Path.Combine(_directory.FullName, "none.fermodel");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var notFound = ExpressionModel.LoadAsync(missing, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(missing, (await Assert.ThrowsAsync<FileNotFoundException>(() => notFound)).FileName);
        await Assert.ThrowsAsync<ModelFormatException>(() => ExpressionModel.LoadAsync(new MemoryStream([1, 2, 3]), cancellationToken: TestContext.Current.CancellationToken));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ExpressionModel.LoadAsync(_seedPath, cancellationToken: cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ExpressionModel.LoadAsync(new MemoryStream(File.ReadAllBytes(_seedPath)), cancellationToken: cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ExpressionModel.LoadDefaultAsync(cancelled.Token));
    }

    [Fact]
    public async Task LoadDefaultAsync_gives_the_shipped_model_and_it_round_trips_through_a_stream()
    {
        using var model = await ExpressionModel.LoadDefaultAsync(TestContext.Current.CancellationToken);
        using var loaded = ExpressionModel.LoadDefault();
        Assert.Equal(loaded.Fingerprint(), model.Fingerprint());
        Assert.Equal(loaded.GeneralReplay!.Count, model.GeneralReplay!.Count);

        using var written = ForwardOnlyStream.Writing();
        model.Save(written);
        using var back = ExpressionModel.Load(ForwardOnlyStream.Reading(written.Written));

        Assert.Equal(model.Fingerprint(), back.Fingerprint());
        Assert.Equal(model.GeneralReplay.LabelList, back.GeneralReplay!.LabelList);
    }
}
