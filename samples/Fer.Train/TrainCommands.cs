using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using PersonalFer.Data;
using PersonalFer.Model;
using Spectre.Console;

namespace PersonalFer.Train;

internal static class TrainCommands
{
    private static readonly Option<string> DataOption = new("--data") { Description = "FER2013: fer2013.csv, fer2013.csv.gz, or a train/ test/ image folder", Required = true };
    private static readonly Option<string> OutOption = new("--out") { Description = "Run folder: checkpoints, run.json, model.fermodel, plots", Required = true };

    public static Command Train()
    {
        var architecture = new Option<ModelArchitecture>("--arch") { Description = "Network to train", DefaultValueFactory = _ => ModelArchitecture.VggBn };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => 40 };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 64 };
        var learningRate = new Option<double>("--lr") { Description = "Peak learning rate", DefaultValueFactory = _ => 0.01 };
        var optimizer = new Option<OptimizerKind>("--optimizer") { DefaultValueFactory = _ => OptimizerKind.Sgd };
        var weightDecay = new Option<double>("--weight-decay") { DefaultValueFactory = _ => 5e-4 };
        var smoothing = new Option<double>("--label-smoothing") { DefaultValueFactory = _ => 0.1 };
        var classWeights = new Option<bool>("--class-weights") { Description = "Weight the loss by inverse class frequency" };
        var patience = new Option<int>("--patience") { Description = "Early-stopping patience in epochs (0: off)", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "CPU threads (0: TorchSharp's default)", DefaultValueFactory = _ => 0 };
        var schedule = new Option<LearningRateSchedule>("--schedule") { DefaultValueFactory = _ => LearningRateSchedule.Cosine };
        var averageFrom = new Option<int>("--average-from") { Description = "Average the weights of every epoch from this one on (stochastic weight averaging; 0: off)", DefaultValueFactory = _ => 0 };
        var from = new Option<string?>("--from") { Description = "Start from this trained .fermodel (or 'default') instead of random weights; --arch must match it, except that a VggBn model starts a VggBnWide run widened" };
        var teachers = new Option<string[]>("--teacher") { Description = "Distil from this trained .fermodel (or 'default'); repeat for an ensemble" };
        var distillWeight = new Option<double>("--distill-weight") { Description = "Share of the loss that follows the teachers", DefaultValueFactory = _ => new TrainingOptions().DistillationWeight };
        var temperature = new Option<double>("--temperature") { Description = "Softmax temperature of the distillation term", DefaultValueFactory = _ => new TrainingOptions().DistillationTemperature };
        var mixup = new Option<double>("--mixup") { Description = "Mixup: blend faces and labels at a Beta(a, a) ratio (0: off)", DefaultValueFactory = _ => 0 };
        var teacherFlip = new Option<bool>("--teacher-tta") { Description = "Average each teacher's prediction over the face and its mirror image" };
        var command = new Command("train", "Train a network on the Training split, validating on PublicTest; resumes if --out holds a run.")
        {
            DataOption, OutOption, architecture, epochs, batch, learningRate, optimizer, weightDecay, smoothing, classWeights, patience, seed, threads,
            schedule, averageFrom, from, teachers, distillWeight, temperature, teacherFlip, mixup,
        };
        command.SetAction(result =>
        {
            var outDirectory = result.GetValue(OutOption)!;
            var options = new TrainingOptions
            {
                Epochs = result.GetValue(epochs),
                BatchSize = result.GetValue(batch),
                LearningRate = result.GetValue(learningRate),
                Optimizer = result.GetValue(optimizer),
                WeightDecay = result.GetValue(weightDecay),
                LabelSmoothing = result.GetValue(smoothing),
                ClassWeighting = result.GetValue(classWeights),
                EarlyStoppingPatience = result.GetValue(patience),
                Seed = result.GetValue(seed),
                Threads = result.GetValue(threads),
                Schedule = result.GetValue(schedule),
                AverageWeightsFromEpoch = result.GetValue(averageFrom),
                DistillationWeight = result.GetValue(distillWeight),
                DistillationTemperature = result.GetValue(temperature),
                TeacherFlipAveraging = result.GetValue(teacherFlip),
                MixupAlpha = result.GetValue(mixup),
                CheckpointDirectory = Path.Combine(outDirectory, "checkpoints"),
                Command = "Fer.Train " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)),
            };
            var run = new RunConfiguration(Path.GetFullPath(result.GetValue(DataOption)!), result.GetValue(architecture), options)
            {
                InitialModel = result.GetValue(from) is { } model ? ModelFiles.FullPath(model) : null,
                TeacherModels = (result.GetValue(teachers) ?? []).Select(ModelFiles.FullPath).ToArray(),
            };
            run.Save(outDirectory);
            return Run(run, outDirectory);
        });
        return command;
    }

    public static Command Resume()
    {
        var data = new Option<string?>("--data") { Description = "FER2013, if it moved since `train`" };
        var command = new Command("resume", "Continue an interrupted `train` run from its last checkpoint.") { OutOption, data };
        command.SetAction(result =>
        {
            // The run folder may have moved (e.g. checkpoints kept in the repository): its checkpoints live inside it.
            var outDirectory = result.GetValue(OutOption)!;
            var run = RunConfiguration.Load(outDirectory);
            run = run with
            {
                DataPath = result.GetValue(data) is { } moved ? Path.GetFullPath(moved) : run.DataPath,
                Options = run.Options with { CheckpointDirectory = Path.Combine(outDirectory, "checkpoints") },
            };
            return Run(run, outDirectory);
        });
        return command;
    }

    public static Command Evaluate()
    {
        var model = new Option<string[]>("--model") { Description = "A .fermodel file, or 'default' for the shipped model; repeat to evaluate the ensemble averaging their probabilities", Required = true };
        var split = new Option<Fer2013Split>("--split") { DefaultValueFactory = _ => Fer2013Split.PrivateTest };
        var json = new Option<string?>("--json") { Description = "Write {accuracy, perClass, confusion} here" };
        var tta = new Option<bool>("--tta") { Description = "Average with the mirrored face" };
        var confusionPng = new Option<string?>("--confusion-png") { Description = "Draw the confusion matrix into this PNG" };
        var precision = new Option<InferencePrecision?>("--precision") { Description = "Float32 or BFloat16 (default: what Classify uses on this CPU)" };
        var command = new Command("evaluate", "Measure a model on one FER2013 split.") { model, DataOption, split, json, tta, confusionPng, precision };
        command.SetAction(result =>
        {
            var data = Fer2013.Load(result.GetValue(DataOption)!);
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

                var evaluation = Evaluator.EvaluateEnsemble(models, data[splitName], result.GetValue(tta));
                var precisions = string.Join("/", models.Select(m => m.Precision).Distinct());
                var ensemble = models.Count > 1 ? $", ensemble of {models.Count}" : "";
                Report.Print(evaluation, $"{splitName} ({evaluation.Count} faces, {precisions}{ensemble}){(result.GetValue(tta) ? ", flip TTA" : "")}");
                if (result.GetValue(json) is { } jsonPath)
                {
                    File.WriteAllText(jsonPath, JsonSerializer.Serialize(Report.ToJson(evaluation), Report.JsonOptions));
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
        var command = new Command("plot", "Draw the training curves of a run, finished or not, from its checkpoint state.") { OutOption, png };
        command.SetAction(result =>
        {
            var outDirectory = result.GetValue(OutOption)!;
            using var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDirectory, "checkpoints", "state.json")));
            var history = state.RootElement.GetProperty("History").Deserialize<List<EpochSummary>>()!;
            var path = result.GetValue(png) ?? Path.Combine(outDirectory, "training-curves.png");
            Plots.TrainingCurves(history, path);
            AnsiConsole.MarkupLine($"{history.Count} epochs drawn into [bold]{Markup.Escape(path)}[/].");
            return 0;
        });
        return command;
    }

    public static Command Export()
    {
        var checkpoint = new Option<string>("--model") { Description = "The trained .fermodel (e.g. <run>/checkpoints/best.fermodel)", Required = true };
        var output = new Option<string>("--to") { Description = "The model file to write (src/Fer.Model/Models/default.fermodel ships it)", Required = true };
        var replay = new Option<int>("--replay") { Description = "General Training faces whose features are stored for personalization", DefaultValueFactory = _ => 2000 };
        var weights = new Option<WeightPrecision>("--weights") { Description = "Float16 (half the size) or Float32; the numbers are measured on the weights as stored", DefaultValueFactory = _ => WeightPrecision.Float32 };
        var command = new Command("export", "Measure a trained model on PublicTest and PrivateTest, store the numbers and general replay features in it, and write it for shipping.")
        {
            checkpoint, DataOption, output, replay, weights,
        };
        command.SetAction(result =>
        {
            var data = Fer2013.Load(result.GetValue(DataOption)!, new Fer2013LoadOptions { DropBlankImages = true });
            var precision = result.GetValue(weights);
            using var model = AsStored(result.GetValue(checkpoint)!, precision);
            model.Precision = InferencePrecision.Float32; // the card's numbers are the trained network's own
            var metrics = new Dictionary<string, double>(model.Manifest.Metrics);
            foreach (var split in new[] { Fer2013Split.PublicTest, Fer2013Split.PrivateTest })
            {
                var plain = Evaluator.Evaluate(model, data[split]);
                metrics[$"{split}.accuracy"] = plain.Accuracy;
                metrics[$"{split}.accuracy.flipTta"] = Evaluator.Evaluate(model, data[split], flipTestTimeAugmentation: true).Accuracy;
                Report.Print(plain, split.ToString());
            }

            model.Describe(m => m with { Metrics = metrics });
            model.AttachGeneralReplay(data.Training.EvenlySpaced(result.GetValue(replay)));
            model.Save(result.GetValue(output)!, precision);
            AnsiConsole.MarkupLine($"PrivateTest {metrics["PrivateTest.accuracy"]:P2} (flip TTA {metrics["PrivateTest.accuracy.flipTta"]:P2}); " +
                $"{model.GeneralReplay!.Count} replay faces; wrote [bold]{Markup.Escape(result.GetValue(output)!)}[/] ({new FileInfo(result.GetValue(output)!).Length / 1e6:F1} MB).");
            return 0;
        });
        return command;
    }

    public static Command Recalibrate()
    {
        var input = new Option<string>("--model") { Description = "The trained .fermodel (or 'default')", Required = true };
        var output = new Option<string>("--to") { Description = "The recalibrated .fermodel (then `export` it to ship it)", Required = true };
        var threads = new Option<int>("--threads") { Description = "CPU threads (0: TorchSharp's default)", DefaultValueFactory = _ => 0 };
        var command = new Command("recalibrate", "Recompute a model's BatchNorm statistics on the Training faces as they are (no augmentation); the weights stay.")
        {
            input, DataOption, output, threads,
        };
        command.SetAction(result =>
        {
            if (result.GetValue(threads) is > 0 and var count)
            {
                TorchSharp.torch.set_num_threads(count);
            }

            var data = Fer2013.Load(result.GetValue(DataOption)!, new Fer2013LoadOptions { DropBlankImages = true });
            using var trained = ModelFiles.Open(result.GetValue(input)!);
            trained.Precision = InferencePrecision.Float32; // judged on the trained network's own numbers, as `export` reports them
            using var recalibrated = BatchNormRecalibration.Recalibrate(trained, data.Training);
            var before = Evaluator.Evaluate(trained, data.PublicTest).Accuracy;
            var after = Evaluator.Evaluate(recalibrated, data.PublicTest).Accuracy;
            recalibrated.Describe(m => m with
            {
                Command = $"{trained.Manifest.Command} && Fer.Train {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}",
                Metrics = new Dictionary<string, double> { ["PublicTest.accuracy"] = after },
            });
            recalibrated.Save(result.GetValue(output)!);
            AnsiConsole.MarkupLine($"PublicTest {before:P2} before, [bold]{after:P2}[/] recalibrated on {data.Training.Count} Training faces; " +
                $"wrote [bold]{Markup.Escape(result.GetValue(output)!)}[/].");
            return 0;
        });
        return command;
    }

    /// <summary>The model as a file of this precision gives it back, so what export measures is what ships.</summary>
    private static ExpressionModel AsStored(string path, WeightPrecision precision)
    {
        if (precision == WeightPrecision.Float32)
        {
            return ExpressionModel.Load(path);
        }

        var rounded = Path.Combine(Path.GetTempPath(), $"personalfer-export-{Guid.NewGuid():N}.fermodel");
        try
        {
            using (var trained = ExpressionModel.Load(path))
            {
                trained.Save(rounded, precision);
            }

            return ExpressionModel.Load(rounded);
        }
        finally
        {
            File.Delete(rounded);
        }
    }

    public static Command Soup()
    {
        var ingredients = new Option<string[]>("--model") { Description = "An ingredient .fermodel (or 'default'); repeat. All must be fine-tuned from one model", Required = true };
        var output = new Option<string>("--to") { Description = "The soup's .fermodel (then `export` it to ship it)", Required = true };
        var uniform = new Option<bool>("--uniform") { Description = "Average every ingredient instead of the greedy soup chosen on PublicTest" };
        var threads = new Option<int>("--threads") { Description = "CPU threads (0: TorchSharp's default)", DefaultValueFactory = _ => 0 };
        var command = new Command("soup", "Average the weights of models fine-tuned from one starting point (a model soup), greedily chosen on PublicTest unless --uniform.")
        {
            ingredients, DataOption, output, uniform, threads,
        };
        command.SetAction(result =>
        {
            if (result.GetValue(threads) is > 0 and var count)
            {
                TorchSharp.torch.set_num_threads(count);
            }

            var data = Fer2013.Load(result.GetValue(DataOption)!, new Fer2013LoadOptions { DropBlankImages = true });
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
                    Command = "Fer.Train " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)),
                    Metrics = new Dictionary<string, double> { ["PublicTest.accuracy"] = soupAccuracy },
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

    /// <summary>
    /// A trained model's weights, without its replay features (training makes them stale). A VggBn model starts a
    /// VggBnWide run widened, computing at first exactly what it did.
    /// </summary>
    private static ExpressionModel StartingPoint(string path, ModelArchitecture architecture, int seed)
    {
        using var trained = ModelFiles.Open(path);
        if (trained.Architecture == ModelArchitecture.VggBn && architecture == ModelArchitecture.VggBnWide)
        {
            return NetworkWidening.Widen(trained, seed);
        }

        if (trained.Architecture != architecture)
        {
            throw new ArgumentException($"--from {path} holds a {trained.Architecture} network, but --arch is {architecture}.");
        }

        return ExpressionModel.FromWeights(architecture, trained.Weights(), trained.Manifest.Command);
    }

    private static int Run(RunConfiguration run, string outDirectory)
    {
        using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; }));
        AnsiConsole.MarkupLine($"Loading [bold]{Markup.Escape(run.DataPath)}[/] ...");
        var data = Fer2013.Load(run.DataPath, new Fer2013LoadOptions { DropBlankImages = true });
        AnsiConsole.MarkupLine($"Training {data.Training.Count}, PublicTest {data.PublicTest.Count}, PrivateTest {data.PrivateTest.Count} ({data.DroppedBlankImages} blank images dropped)");

        using var model = run.InitialModel is { } initial ? StartingPoint(initial, run.Architecture, run.Options.Seed) : ExpressionModel.Create(run.Architecture, run.Options.Seed);
        var teachers = run.TeacherModels.Select(ModelFiles.Open).ToList();
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancellation.Cancel(); };
        var trainer = new Trainer(loggerFactory.CreateLogger<Trainer>());
        TrainingResult result;
        try
        {
            var options = run.Options with { Teachers = teachers };
            result = TrainingView.Run(progress => trainer.Train(model, data.Training, data.PublicTest, options, progress, cancellation.Token));
        }
        finally
        {
            teachers.ForEach(t => t.Dispose());
        }

        model.Precision = InferencePrecision.Float32;
        var privateTest = Evaluator.Evaluate(model, data.PrivateTest);
        var privateTestTta = Evaluator.Evaluate(model, data.PrivateTest, flipTestTimeAugmentation: true);
        model.Describe(m => m with
        {
            Metrics = new Dictionary<string, double>(m.Metrics)
            {
                ["PrivateTest.accuracy"] = privateTest.Accuracy,
                ["PrivateTest.accuracy.flipTta"] = privateTestTta.Accuracy,
            },
        });
        var modelPath = Path.Combine(outDirectory, "model.fermodel");
        model.Save(modelPath);
        File.WriteAllText(Path.Combine(outDirectory, "history.json"), JsonSerializer.Serialize(result.History, Report.JsonOptions));
        Plots.TrainingCurves(result.History, Path.Combine(outDirectory, "training-curves.png"));
        Plots.ConfusionMatrix(privateTest, $"PrivateTest: accuracy {privateTest.Accuracy:P2}", Path.Combine(outDirectory, "confusion-privatetest.png"));
        var kept = result.KeptAverage
            ? $"weight average of {result.AveragedEpochs} epochs (PublicTest {result.AverageValidationAccuracy:P2}; best epoch {result.BestEpoch}: {result.BestValidationAccuracy:P2})"
            : $"best epoch {result.BestEpoch} (PublicTest {result.BestValidationAccuracy:P2}{(result.AverageValidationAccuracy is { } a ? $"; weight average: {a:P2}" : "")})";
        Report.Print(privateTest, $"PrivateTest, {kept}");
        AnsiConsole.MarkupLine($"PrivateTest with flip TTA: [bold]{privateTestTta.Accuracy:P2}[/]. Saved [bold]{Markup.Escape(modelPath)}[/].");
        return 0;
    }
}
