using System.Text.Json;
using TorchSharp.Modules;

namespace PersonalFer.Model;

/// <summary>
/// A training run's folder: <c>epoch-NNN.fermodel</c> and <c>epoch-NNN.optimizer</c> for the last completed epoch,
/// <c>best.fermodel</c>, and <c>state.json</c>, which is written last and names the epoch files, so a run killed at
/// any moment resumes from a consistent epoch.
/// Every file is written to a temporary name and renamed into place.
/// </summary>
internal sealed class CheckpointStore(string directory)
{
    private const string StateFile = "state.json";
    public const string BestModelFile = "best.fermodel";

    public string Directory { get; } = directory;

    /// <summary>Loads the last completed epoch into the model and optimizer, or returns null for a fresh run.</summary>
    public TrainingState? TryResume(ExpressionModel model, OptimizerHelper optimizer)
    {
        var statePath = Path.Combine(Directory, StateFile);
        if (!File.Exists(statePath))
        {
            return null;
        }

        TrainingState state;
        try
        {
            state = JsonSerializer.Deserialize<TrainingState>(File.ReadAllText(statePath), ModelFile.Json)
                ?? throw new ModelFormatException(statePath, "is empty");
        }
        catch (JsonException e)
        {
            throw new ModelFormatException(statePath, $"is not a readable training state ({e.Message})", e);
        }

        LoadWeights(model, EpochFile(state.CompletedEpochs, ".fermodel"));
        var optimizerPath = EpochFile(state.CompletedEpochs, ".optimizer");
        if (!File.Exists(optimizerPath))
        {
            throw new ModelFormatException(optimizerPath, "is missing: the checkpoint cannot be resumed");
        }

        optimizer.load_state_dict(optimizerPath);
        return state;
    }

    public void Save(ExpressionModel model, OptimizerHelper optimizer, TrainingState state, bool isBest, string? command)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var previous = state.CompletedEpochs - 1;
        model.Describe(m => m with
        {
            Epochs = state.CompletedEpochs,
            Command = command ?? m.Command,
            Metrics = new Dictionary<string, double> { [ModelManifest.PublicTestAccuracyMetric] = state.History[^1].ValidationAccuracy },
        });
        model.Save(EpochFile(state.CompletedEpochs, ".fermodel"));
        var optimizerPath = EpochFile(state.CompletedEpochs, ".optimizer");
        var temporary = optimizerPath + ".tmp";
        optimizer.save_state_dict(temporary);
        File.Move(temporary, optimizerPath, overwrite: true);
        if (isBest)
        {
            model.Save(Path.Combine(Directory, BestModelFile));
        }

        var statePath = Path.Combine(Directory, StateFile);
        File.WriteAllText(statePath + ".tmp", JsonSerializer.Serialize(state, ModelFile.Json));
        File.Move(statePath + ".tmp", statePath, overwrite: true);
        File.Delete(EpochFile(previous, ".fermodel"));
        File.Delete(EpochFile(previous, ".optimizer"));
    }

    /// <summary>Loads the best epoch's weights into the model.</summary>
    public void RestoreBest(ExpressionModel model) => LoadWeights(model, Path.Combine(Directory, BestModelFile));

    private static void LoadWeights(ExpressionModel model, string path)
    {
        using var saved = ExpressionModel.Load(path, model.Architecture);
        using (TorchSharp.torch.no_grad())
        {
            model.Network.load_state_dict(saved.Network.state_dict());
        }
    }

    private string EpochFile(int epoch, string extension) => Path.Combine(Directory, $"epoch-{epoch:D3}{extension}");
}
