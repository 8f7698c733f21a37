using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using PersonalFer.Data;
using PersonalFer.Model;
using Spectre.Console;

namespace PersonalFer.Train;

internal static class TrainCommands
{
    internal static readonly Option<string> DataOption = new("--data") { Description = "FER2013: fer2013.csv, fer2013.csv.gz, or a train/ test/ image folder", Required = true };
    internal static readonly Option<string> OutOption = new("--out") { Description = "Run folder: checkpoints, run.json, model.fermodel, history.json", Required = true };

    /// <summary>The options of a training run, shared with the research tool's <c>train</c>.</summary>
    internal sealed class TrainOptions
    {
        public Option<ModelArchitecture> Architecture { get; } = new("--arch") { Description = "Network to train", DefaultValueFactory = _ => ModelArchitecture.VggBn };
        public Option<int> Epochs { get; } = new("--epochs") { DefaultValueFactory = _ => new TrainingOptions().Epochs };
        public Option<int> Batch { get; } = new("--batch") { DefaultValueFactory = _ => TrainingOptions.DefaultBatchSize };
        public Option<double> LearningRate { get; } = new("--lr") { Description = "Peak learning rate", DefaultValueFactory = _ => new TrainingOptions().LearningRate };
        public Option<OptimizerKind> Optimizer { get; } = new("--optimizer") { DefaultValueFactory = _ => new TrainingOptions().Optimizer };
        public Option<double> WeightDecay { get; } = new("--weight-decay") { DefaultValueFactory = _ => new TrainingOptions().WeightDecay };
        public Option<double> Smoothing { get; } = new("--label-smoothing") { DefaultValueFactory = _ => new TrainingOptions().LabelSmoothing };
        public Option<bool> ClassWeights { get; } = new("--class-weights") { Description = "Weight the loss by inverse class frequency" };
        public Option<int> Patience { get; } = new("--patience") { Description = "Early-stopping patience in epochs (0: off)", DefaultValueFactory = _ => 0 };
        public Option<int> Seed { get; } = new("--seed") { DefaultValueFactory = _ => new TrainingOptions().Seed };
        public Option<int> Threads { get; } = new("--threads") { Description = "CPU threads (0: TorchSharp's default)", DefaultValueFactory = _ => 0 };
        public Option<LearningRateSchedule> Schedule { get; } = new("--schedule") { DefaultValueFactory = _ => new TrainingOptions().Schedule };
        public Option<bool> NoAugmentation { get; } = new("--no-augmentation") { Description = "Train on the faces as they are (no flips, warps or brightness changes)" };
        public Option<string?> From { get; } = new("--from") { Description = "Start from this trained .fermodel (or 'default') instead of random weights; --arch must match it" };

        public IEnumerable<Option> All => [DataOption, OutOption, Architecture, Epochs, Batch, LearningRate, Optimizer, WeightDecay, Smoothing, ClassWeights, Patience, Seed, Threads, Schedule, NoAugmentation, From];

        /// <summary>The run the parsed command line asks for, checkpointing into <c>&lt;out&gt;/checkpoints</c>.</summary>
        public RunConfiguration Read(ParseResult result, string program)
        {
            var options = new TrainingOptions
            {
                Epochs = result.GetValue(Epochs),
                BatchSize = result.GetValue(Batch),
                LearningRate = result.GetValue(LearningRate),
                Optimizer = result.GetValue(Optimizer),
                WeightDecay = result.GetValue(WeightDecay),
                LabelSmoothing = result.GetValue(Smoothing),
                ClassWeighting = result.GetValue(ClassWeights),
                EarlyStoppingPatience = result.GetValue(Patience),
                Seed = result.GetValue(Seed),
                Threads = result.GetValue(Threads),
                Schedule = result.GetValue(Schedule),
                Augmentation = result.GetValue(NoAugmentation) ? AugmentationOptions.None : new AugmentationOptions(),
                CheckpointDirectory = Path.Combine(result.GetValue(OutOption)!, "checkpoints"),
                Command = $"{program} {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}",
            };
            return new RunConfiguration(Path.GetFullPath(result.GetValue(DataOption)!), result.GetValue(Architecture), options)
            {
                InitialModel = result.GetValue(From) is { } model ? ModelFiles.FullPath(model) : null,
            };
        }
    }

    public static Command Train()
    {
        var options = new TrainOptions();
        var command = new Command("train", "Train a network on the Training split, validating on PublicTest; resumes if --out holds a run.");
        foreach (var option in options.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(result =>
        {
            var outDirectory = result.GetValue(OutOption)!;
            var run = options.Read(result, "Fer.Train");
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
            // The run folder may have moved: its checkpoints live inside it.
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
        var model = new Option<string>("--model") { Description = "A .fermodel file, or 'default' for the shipped model", Required = true };
        var data = new Option<string?>("--data") { Description = $"{DataOption.Description} (needed unless --photos)" };
        var split = new Option<Fer2013Split>("--split") { DefaultValueFactory = _ => Fer2013Split.PrivateTest };
        var json = new Option<string?>("--json") { Description = "Write the results here as JSON" };
        var precision = new Option<InferencePrecision?>("--precision") { Description = "Float32 or BFloat16 (default: what Classify uses on this CPU)" };
        var throughPipeline = new Option<bool>("--through-pipeline")
        {
            Description = $"Also classify each face as a camera frame through ExpressionPipeline.Classify: upscaled {PipelineEvaluation.Upscale}x, padded by half its size, detected, framed; compared per class with the same faces straight in",
        };
        var padding = new Option<FramePadding>("--padding") { Description = "With --through-pipeline: Replicate (edge pixels) or Black", DefaultValueFactory = _ => FramePadding.Replicate };
        var photos = new Option<string?>("--photos")
        {
            Description = "Instead of FER2013: labelled photos through the pipeline, from expression folders (<dir>/<expression>/*.png) or a folder with a manifest.csv of path,label_fer_index columns (e.g. jaffe-dev)",
        };
        var command = new Command("evaluate", "Measure a model on one FER2013 split, fed straight in or through the pipeline, or on labelled photos.")
        {
            model, data, split, json, precision, throughPipeline, padding, photos,
        };
        command.SetAction(result =>
        {
            using var loaded = ModelFiles.Open(result.GetValue(model)!);
            loaded.Precision = result.GetValue(precision) ?? loaded.Precision;
            if (result.GetValue(photos) is { } photoFolder)
            {
                PipelineEvaluation.EvaluatePhotos(loaded, photoFolder, result.GetValue(json));
                return 0;
            }

            var dataPath = result.GetValue(data) ?? throw new ArgumentException("--data is required unless --photos is given.");
            var splitName = result.GetValue(split);
            var faces = Fer2013.Load(dataPath)[splitName];
            if (result.GetValue(throughPipeline))
            {
                PipelineEvaluation.EvaluateFaces(loaded, faces, result.GetValue(padding), splitName.ToString(), result.GetValue(json));
                return 0;
            }

            var evaluation = Evaluator.Evaluate(loaded, faces);
            Report.Print(evaluation, $"{splitName} ({evaluation.Count} faces, {loaded.Precision})");
            if (result.GetValue(json) is { } jsonPath)
            {
                Report.WriteJson(evaluation, jsonPath);
            }

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
                var evaluation = Evaluator.Evaluate(model, data[split]);
                metrics[$"{split}.accuracy"] = evaluation.Accuracy;
                Report.Print(evaluation, split.ToString());
            }

            model.Describe(m => m with { Metrics = metrics });
            model.AttachGeneralReplay(data.Training.EvenlySpaced(result.GetValue(replay)));
            model.Save(result.GetValue(output)!, precision);
            AnsiConsole.MarkupLine($"PrivateTest {metrics[ModelManifest.PrivateTestAccuracyMetric]:P2}; " +
                $"{model.GeneralReplay!.Count} replay faces; wrote [bold]{Markup.Escape(result.GetValue(output)!)}[/] ({new FileInfo(result.GetValue(output)!).Length / 1e6:F1} MB).");
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

    /// <summary>A trained model's weights, without its replay features (training makes them stale).</summary>
    private static ExpressionModel StartingPoint(string path, ModelArchitecture architecture)
    {
        using var trained = ModelFiles.Open(path);
        if (trained.Architecture != architecture)
        {
            throw new ArgumentException($"--from {path} holds a {trained.Architecture} network, but --arch is {architecture}.");
        }

        return ExpressionModel.FromWeights(architecture, trained.Weights(), trained.Manifest.Command);
    }

    /// <summary>
    /// Trains the run to its end, saves <c>model.fermodel</c> and <c>history.json</c> and reports PrivateTest.
    /// <paramref name="extend"/> lets the research tool change the options and follow the epochs; what it returns
    /// is disposed after training.
    /// </summary>
    internal static int Run(RunConfiguration run, string outDirectory, Func<ExpressionModel, Fer2013Data, RunExtension>? extend = null)
    {
        using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; }));
        AnsiConsole.MarkupLine($"Loading [bold]{Markup.Escape(run.DataPath)}[/] ...");
        var data = Fer2013.Load(run.DataPath, new Fer2013LoadOptions { DropBlankImages = true });
        AnsiConsole.MarkupLine($"Training {data.Training.Count}, PublicTest {data.PublicTest.Count}, PrivateTest {data.PrivateTest.Count} ({data.DroppedBlankImages} blank images dropped)");

        using var model = run.InitialModel is { } initial ? StartingPoint(initial, run.Architecture) : ExpressionModel.Create(run.Architecture, run.Options.Seed);
        using var extension = extend?.Invoke(model, data) ?? new RunExtension();
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancellation.Cancel(); };
        var trainer = new Trainer(loggerFactory.CreateLogger<Trainer>());
        var options = extension.Options(run.Options);
        var result = TrainingView.Run(progress => trainer.Train(model, data.Training, data.PublicTest, options, extension.Follow(progress), cancellation.Token));
        var kept = extension.Finish(result);

        model.Precision = InferencePrecision.Float32;
        var privateTest = Evaluator.Evaluate(model, data.PrivateTest);
        model.Describe(m => m with { Metrics = new Dictionary<string, double>(m.Metrics) { [ModelManifest.PrivateTestAccuracyMetric] = privateTest.Accuracy } });
        var modelPath = Path.Combine(outDirectory, "model.fermodel");
        model.Save(modelPath);
        File.WriteAllText(Path.Combine(outDirectory, "history.json"), JsonSerializer.Serialize(result.History, Report.JsonOptions));
        Report.Print(privateTest, $"PrivateTest, {kept ?? $"best epoch {result.BestEpoch} (PublicTest {result.BestValidationAccuracy:P2})"}");
        AnsiConsole.MarkupLine($"Saved [bold]{Markup.Escape(modelPath)}[/].");
        return 0;
    }
}
