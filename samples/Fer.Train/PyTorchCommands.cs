using System.Collections;
using System.CommandLine;
using PersonalFer.Model;
using Spectre.Console;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace PersonalFer.Train;

/// <summary>
/// Models to and from PyTorch's own format (<c>torch.save(model.state_dict(), path)</c>), read and written by
/// TorchSharp.PyBridge; the library itself only sees named arrays (<see cref="ExpressionModel.FromWeights"/>).
/// </summary>
internal static class PyTorchCommands
{
    public static Command Import()
    {
        var stateDict = new Option<string>("--state-dict") { Description = "A PyTorch state_dict file (.pt/.pth) of the same architecture (docs/PYTORCH.md)", Required = true };
        var architecture = new Option<ModelArchitecture>("--arch") { Description = "VggBn, VggBnCompact or Seed", Required = true };
        var output = new Option<string>("--to") { Description = "The .fermodel to write", Required = true };
        var command = new Command("import-pytorch", "Turn a PyTorch state_dict into a .fermodel (then `export` measures it and adds replay features).")
        {
            stateDict, architecture, output,
        };
        command.SetAction(result =>
        {
            var path = result.GetValue(stateDict)!;
            TorchRuntime.EnsureInitialized(); // TorchSharp is used before any Fer.Model call loads it
            var weights = new Dictionary<string, WeightArray>();
            try
            {
                using var scope = NewDisposeScope();
                foreach (DictionaryEntry entry in PyTorchUnpickler.UnpickleStateDict(path))
                {
                    var values = ((Tensor)entry.Value!).to(float32).contiguous();
                    weights[(string)entry.Key] = new WeightArray(values.shape, values.data<float>().ToArray());
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new ModelFormatException(path, $"not a readable PyTorch state_dict ({e.Message})", e);
            }

            using var model = ExpressionModel.FromWeights(result.GetValue(architecture), weights, $"Fer.Train import-pytorch --state-dict {path}");
            model.Save(result.GetValue(output)!);
            AnsiConsole.MarkupLine($"{weights.Count} tensors of a {model.Architecture} network ({model.ParameterCount:N0} parameters) → [bold]{Markup.Escape(result.GetValue(output)!)}[/]");
            return 0;
        });
        return command;
    }

    public static Command Export()
    {
        var model = new Option<string>("--model") { Description = "A .fermodel file or 'default' (shipped)", DefaultValueFactory = _ => "default" };
        var output = new Option<string>("--to") { Description = "The PyTorch state_dict file to write (.pt)", Required = true };
        var command = new Command("export-pytorch", "Write a model's weights as a PyTorch state_dict, for the modules in docs/PYTORCH.md.")
        {
            model, output,
        };
        command.SetAction(result =>
        {
            using var source = ModelFiles.Open(result.GetValue(model)!);
            using var scope = NewDisposeScope();
            var stateDict = new Dictionary<string, Tensor>();
            foreach (var (name, weight) in source.Weights())
            {
                var values = tensor(weight.Values, weight.Shape);
                stateDict[name] = name.EndsWith(".num_batches_tracked", StringComparison.Ordinal) ? values.to(int64) : values;
            }

            var path = result.GetValue(output)!;
            var temporary = path + ".tmp";
            PyTorchPickler.PickleStateDict(temporary, stateDict);
            File.Move(temporary, path, overwrite: true);
            AnsiConsole.MarkupLine($"{stateDict.Count} tensors of the {source.Architecture} network → [bold]{Markup.Escape(path)}[/]");
            return 0;
        });
        return command;
    }
}
