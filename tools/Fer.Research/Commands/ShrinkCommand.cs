using System.CommandLine;
using PersonalFer.Data;
using PersonalFer.Model;
using PersonalFer.Train;
using Spectre.Console;

namespace PersonalFer.Research;

/// <summary>Prunes a trained model's channels down to a narrower architecture, as the start of distilling it.</summary>
internal static class ShrinkCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--model") { Description = "The trained .fermodel (or 'default')", Required = true };
        var architecture = new Option<ModelArchitecture>("--arch") { Description = "A narrower network of the same layout (VggBnCompact from VggBn)", Required = true };
        var output = new Option<string>("--to") { Description = "The pruned .fermodel (then `train --from` it with the model as --teacher)", Required = true };
        var command = new Command("shrink", "Keep each convolution's channels with the largest BatchNorm scale, down to a narrower architecture's widths, and recalibrate BatchNorm on the Training faces.")
        {
            input, architecture, TrainCommands.DataOption, output,
        };
        command.SetAction(result =>
        {
            var data = Fer2013.Load(result.GetValue(TrainCommands.DataOption)!, new Fer2013LoadOptions { DropBlankImages = true });
            using var trained = ModelFiles.Open(result.GetValue(input)!);
            var target = result.GetValue(architecture);
            using var pruned = ExpressionModel.FromWeights(target, ChannelPruning.Prune(trained, target));
            using var recalibrated = BatchNormRecalibration.Recalibrate(pruned, data.Training);
            recalibrated.Precision = InferencePrecision.Float32;
            var accuracy = Evaluator.Evaluate(recalibrated, data.PublicTest).Accuracy;
            DerivedModel.Save(recalibrated, trained, accuracy, result.GetValue(output)!);
            AnsiConsole.MarkupLine($"Pruned to {target}: PublicTest [bold]{accuracy:P2}[/] before any training; wrote [bold]{Markup.Escape(result.GetValue(output)!)}[/].");
            return 0;
        });
        return command;
    }
}
