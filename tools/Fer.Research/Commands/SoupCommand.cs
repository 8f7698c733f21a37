using System.CommandLine;
using PersonalFer.Data;
using PersonalFer.Model;
using PersonalFer.Train;
using Spectre.Console;

namespace PersonalFer.Research;

/// <summary>Averages the weights of models fine-tuned from one start (a model soup).</summary>
internal static class SoupCommand
{
    public static Command Create()
    {
        var ingredients = new Option<string[]>("--model") { Description = "An ingredient .fermodel (or 'default'); repeat. All must be fine-tuned from one model", Required = true };
        var output = new Option<string>("--to") { Description = "The soup's .fermodel (then `export` it to ship it)", Required = true };
        var uniform = new Option<bool>("--uniform") { Description = "Average every ingredient instead of the greedy soup chosen on PublicTest" };
        var threads = new Option<int>("--threads") { Description = "CPU threads (0: TorchSharp's default)", DefaultValueFactory = _ => 0 };
        var command = new Command("soup", "Average the weights of models fine-tuned from one starting point (a model soup), greedily chosen on PublicTest unless --uniform.")
        {
            ingredients, TrainCommands.DataOption, output, uniform, threads,
        };
        command.SetAction(result =>
        {
            if (result.GetValue(threads) is > 0 and var count)
            {
                TorchSharp.torch.set_num_threads(count);
            }

            var data = Fer2013.Load(result.GetValue(TrainCommands.DataOption)!, new Fer2013LoadOptions { DropBlankImages = true });
            var paths = result.GetValue(ingredients)!;
            var models = new List<ExpressionModel>();
            try
            {
                foreach (var path in paths)
                {
                    var loaded = ModelFiles.Open(path);
                    models.Add(loaded);
                    loaded.Precision = InferencePrecision.Float32; // chosen on the trained networks' own numbers, as `export` reports them
                }

                ExpressionModel soup;
                double soupAccuracy;
                if (result.GetValue(uniform))
                {
                    soup = ModelSoup.Average(models, data.Training);
                    soupAccuracy = Evaluator.Evaluate(soup, data.PublicTest).Accuracy;
                    for (var i = 0; i < paths.Length; i++)
                    {
                        AnsiConsole.MarkupLine($"  {Markup.Escape(paths[i])}: PublicTest {Evaluator.Evaluate(models[i], data.PublicTest).Accuracy:P2}");
                    }
                }
                else
                {
                    var greedy = ModelSoup.Greedy(models, data.Training, data.PublicTest);
                    (soup, soupAccuracy) = (greedy.Model, greedy.ValidationAccuracy);
                    foreach (var step in greedy.Steps)
                    {
                        AnsiConsole.MarkupLine($"  {Markup.Escape(paths[step.Ingredient])} (alone {greedy.IngredientAccuracies[step.Ingredient]:P2}): " +
                            $"soup PublicTest {step.ValidationAccuracy:P2}, {(step.Kept ? "[green]kept[/]" : "left out")}");
                    }
                }

                using var model = soup;
                model.Describe(m => m with
                {
                    Command = "Fer.Research " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)),
                    Metrics = new Dictionary<string, double> { [ModelManifest.PublicTestAccuracyMetric] = soupAccuracy },
                });
                model.Save(result.GetValue(output)!);
                AnsiConsole.MarkupLine($"Soup: PublicTest [bold]{soupAccuracy:P2}[/]; wrote [bold]{Markup.Escape(result.GetValue(output)!)}[/].");
            }
            finally
            {
                models.ForEach(m => m.Dispose());
            }

            return 0;
        });
        return command;
    }
}
