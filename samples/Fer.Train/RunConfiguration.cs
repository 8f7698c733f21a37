using System.Text.Json;
using System.Text.Json.Serialization;
using PersonalFer.Model;

namespace PersonalFer.Train;

/// <summary>What `train` was asked to do, saved as run.json in the output folder so `resume` can continue it.</summary>
internal sealed record RunConfiguration(string DataPath, ModelArchitecture Architecture, TrainingOptions Options)
{
    public const string FileName = "run.json";

    /// <summary>The trained model the run started from (a path or "default"); null: random initialization.</summary>
    public string? InitialModel { get; init; }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };

    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(this, Json));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    public static RunConfiguration Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} not found: is '{directory}' the --out folder of a `train` run?", path);
        }

        return JsonSerializer.Deserialize<RunConfiguration>(File.ReadAllText(path), Json)
            ?? throw new InvalidDataException($"{path} is empty");
    }
}
