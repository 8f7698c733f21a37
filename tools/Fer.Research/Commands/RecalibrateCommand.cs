using System.CommandLine;
using PersonalFer.Data;
using PersonalFer.Model;
using PersonalFer.Train;
using Spectre.Console;

namespace PersonalFer.Research;

/// <summary>Recomputes a model's BatchNorm statistics on the Training faces as they are.</summary>
internal static class RecalibrateCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--model") { Description = "The trained .fermodel (or 'default')", Required = true };
        var output = new Option<string>("--to") { Description = "The recalibrated .fermodel (then `export` it to ship it)", Required = true };
        var threads = new Option<int>("--threads") { Description = "CPU threads (0: TorchSharp's default)", DefaultValueFactory = _ => 0 };
        var command = new Command("recalibrate", "Recompute a model's BatchNorm statistics on the Training faces as they are (no augmentation); the weights stay.")
        {
            input, TrainCommands.DataOption, output, threads,
        };
        command.SetAction(result =>
        {
            if (result.GetValue(threads) is > 0 and var count)
            {
                TorchSharp.torch.set_num_threads(count);
            }

            var data = Fer2013.Load(result.GetValue(TrainCommands.DataOption)!, new Fer2013LoadOptions { DropBlankImages = true });
            using var trained = ModelFiles.Open(result.GetValue(input)!);
            trained.Precision = InferencePrecision.Float32; // judged on the trained network's own numbers, as `export` reports them
            using var recalibrated = BatchNormRecalibration.Recalibrate(trained, data.Training);
            var before = Evaluator.Evaluate(trained, data.PublicTest).Accuracy;
            var after = Evaluator.Evaluate(recalibrated, data.PublicTest).Accuracy;
            DerivedModel.Save(recalibrated, trained, after, result.GetValue(output)!);
            AnsiConsole.MarkupLine($"PublicTest {before:P2} before, [bold]{after:P2}[/] recalibrated on {data.Training.Count} Training faces; " +
                $"wrote [bold]{Markup.Escape(result.GetValue(output)!)}[/].");
            return 0;
        });
        return command;
    }
}
