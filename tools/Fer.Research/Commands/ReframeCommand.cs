using System.CommandLine;
using PersonalFer.Data;
using PersonalFer.Detection;
using PersonalFer.Train;
using Spectre.Console;

namespace PersonalFer.Research;

/// <summary>Writes FER2013 with its Training faces also framed as <c>Classify</c> frames them, and the paired originals.</summary>
internal static class ReframeCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The model whose framing crops the faces (or 'default')", DefaultValueFactory = _ => "default" };
        var training = new Option<string>("--to") { Description = "The training file (.csv.gz): Training faces as they are, then re-framed", Required = true };
        var paired = new Option<string>("--paired-to") { Description = "The file for train --teacher-data (.csv.gz): the original faces twice, row for row", Required = true };
        var seed = new Option<int>("--seed") { Description = "Chooses each face's padding", DefaultValueFactory = _ => 30 };
        var command = new Command("reframe", "Frame every Training face as Classify does (upscaled, padded with replicated edges or black, detected, cropped with the model's framing), for fine-tuning on them.")
        {
            TrainCommands.DataOption, model, training, paired, seed,
        };
        command.SetAction(result =>
        {
            var data = Fer2013.Load(result.GetValue(TrainCommands.DataOption)!);
            using var framingModel = ModelFiles.Open(result.GetValue(model)!);
            using var detector = new YuNetFaceDetector();
            var counts = PipelineFramedFaces.Write(data, framingModel.Framing, detector, result.GetValue(training)!, result.GetValue(paired)!, result.GetValue(seed));
            AnsiConsole.MarkupLine($"{data.Training.Count} Training faces: {counts.Replicated} re-framed with replicated edges, {counts.Black} on black, " +
                $"{counts.NotFound} kept as they are (no face found); wrote [bold]{Markup.Escape(result.GetValue(training)!)}[/] and [bold]{Markup.Escape(result.GetValue(paired)!)}[/].");
            return 0;
        });
        return command;
    }
}
