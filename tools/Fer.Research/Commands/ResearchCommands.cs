using System.CommandLine;
using System.Text.Json;
using PersonalFer.Data;
using PersonalFer.Model;
using PersonalFer.Train;
using Spectre.Console;

namespace PersonalFer.Research;

/// <summary>The research commands: training with distillation, mixup and weight averaging; soups; recalibration; ensembles; plots.</summary>
internal static class ResearchCommands
{
    public static Command Train()
    {
        var standard = new TrainCommands.TrainOptions();
        var teachers = new Option<string[]>("--teacher") { Description = "Distil from this trained .fermodel (or 'default'); repeat for an ensemble" };
        var distillWeight = new Option<double>("--distill-weight") { Description = "Share of the loss that follows the teachers", DefaultValueFactory = _ => new ResearchSettings().DistillationWeight };
        var temperature = new Option<double>("--temperature") { Description = "Softmax temperature of the distillation term", DefaultValueFactory = _ => new ResearchSettings().DistillationTemperature };
        var teacherData = new Option<string?>("--teacher-data") { Description = "The teachers predict this FER2013 file's Training face at the same row (e.g. the original faces when training on re-framed ones)" };
        var teacherFlip = new Option<bool>("--teacher-tta") { Description = "Average each teacher's prediction over the face and its mirror image" };
        var mixup = new Option<double>("--mixup") { Description = "Mixup: blend faces and labels at a Beta(a, a) ratio (0: off)", DefaultValueFactory = _ => 0 };
        var averageFrom = new Option<int>("--average-from") { Description = "Average the weights of every epoch from this one on (stochastic weight averaging; 0: off)", DefaultValueFactory = _ => 0 };
        var command = new Command("train", "Fer.Train's train, plus distillation from teachers, mixup and weight averaging.");
        foreach (var option in standard.All.Concat([teachers, distillWeight, temperature, teacherData, teacherFlip, mixup, averageFrom]))
        {
            command.Options.Add(option);
        }

        command.SetAction(result =>
        {
            var outDirectory = result.GetValue(TrainCommands.OutOption)!;
            var run = standard.Read(result, "Fer.Research");
            var settings = new ResearchSettings
            {
                Teachers = (result.GetValue(teachers) ?? []).Select(ModelFiles.FullPath).ToArray(),
                DistillationWeight = result.GetValue(distillWeight),
                DistillationTemperature = result.GetValue(temperature),
                TeacherData = result.GetValue(teacherData) is { } pairedData ? Path.GetFullPath(pairedData) : null,
                TeacherFlipAveraging = result.GetValue(teacherFlip),
                MixupAlpha = result.GetValue(mixup),
                AverageWeightsFromEpoch = result.GetValue(averageFrom),
            };
            settings.Validate(run.Options.Epochs);
            var resuming = File.Exists(Path.Combine(outDirectory, "checkpoints", "state.json"));
            run.Save(outDirectory);
            settings.Save(outDirectory);
            return TrainCommands.Run(run, outDirectory, (model, data) => new ResearchRun(settings, model, data, resuming));
        });
        return command;
    }

    public static Command Resume()
    {
        var command = new Command("resume", "Continue an interrupted research `train` run from its last checkpoint.") { TrainCommands.OutOption };
        command.SetAction(result =>
        {
            var outDirectory = result.GetValue(TrainCommands.OutOption)!;
            var run = RunConfiguration.Load(outDirectory);
            run = run with { Options = run.Options with { CheckpointDirectory = Path.Combine(outDirectory, "checkpoints") } };
            var settings = ResearchSettings.Load(outDirectory);
            return TrainCommands.Run(run, outDirectory, (model, data) => new ResearchRun(settings, model, data, resuming: true));
        });
        return command;
    }

    public static Command Evaluate()
    {
        var model = new Option<string[]>("--model") { Description = "A .fermodel file, or 'default'; repeat to evaluate the ensemble averaging their probabilities", Required = true };
        var split = new Option<Fer2013Split>("--split") { DefaultValueFactory = _ => Fer2013Split.PrivateTest };
        var json = new Option<string?>("--json") { Description = "Write {accuracy, perClass, confusion} here" };
        var tta = new Option<bool>("--tta") { Description = "Average with the mirrored face" };
        var confusionPng = new Option<string?>("--confusion-png") { Description = "Draw the confusion matrix into this PNG" };
        var precision = new Option<InferencePrecision?>("--precision") { Description = "Float32 or BFloat16 (default: what Classify uses on this CPU)" };
        var command = new Command("evaluate", "Measure a model or an ensemble on one FER2013 split, optionally with flip test-time augmentation.")
        {
            model, TrainCommands.DataOption, split, json, tta, confusionPng, precision,
        };
        command.SetAction(result =>
        {
            var data = Fer2013.Load(result.GetValue(TrainCommands.DataOption)!);
            var splitName = result.GetValue(split);
            var models = new List<ExpressionModel>();
            try
            {
                foreach (var path in result.GetValue(model)!)
                {
                    var loaded = ModelFiles.Open(path);
                    models.Add(loaded);
                    loaded.Precision = result.GetValue(precision) ?? loaded.Precision;
                }

                var evaluation = EnsembleEvaluator.Evaluate(models, data[splitName], result.GetValue(tta));
                var precisions = string.Join("/", models.Select(m => m.Precision).Distinct());
                var ensemble = models.Count > 1 ? $", ensemble of {models.Count}" : "";
                Report.Print(evaluation, $"{splitName} ({evaluation.Count} faces, {precisions}{ensemble}){(result.GetValue(tta) ? ", flip TTA" : "")}");
                if (result.GetValue(json) is { } jsonPath)
                {
                    Report.WriteJson(evaluation, jsonPath);
                }

                if (result.GetValue(confusionPng) is { } pngPath)
                {
                    Plots.ConfusionMatrix(evaluation, $"{splitName}: accuracy {evaluation.Accuracy:P2}", pngPath);
                }
            }
            finally
            {
                models.ForEach(m => m.Dispose());
            }

            return 0;
        });
        return command;
    }

    public static Command Plot()
    {
        var png = new Option<string?>("--png") { Description = "Where to draw (default: <out>/training-curves.png)" };
        var command = new Command("plot", "Draw the training curves of a run, finished or not, from its checkpoint state.") { TrainCommands.OutOption, png };
        command.SetAction(result =>
        {
            var outDirectory = result.GetValue(TrainCommands.OutOption)!;
            using var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDirectory, "checkpoints", "state.json")));
            var history = state.RootElement.GetProperty("History").Deserialize<List<EpochSummary>>()!;
            var path = result.GetValue(png) ?? Path.Combine(outDirectory, "training-curves.png");
            Plots.TrainingCurves(history, path);
            AnsiConsole.MarkupLine($"{history.Count} epochs drawn into [bold]{Markup.Escape(path)}[/].");
            return 0;
        });
        return command;
    }
}
