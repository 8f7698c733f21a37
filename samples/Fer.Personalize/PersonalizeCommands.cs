using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using PersonalFer.Data;
using PersonalFer.Detection;
using PersonalFer.Model;

namespace PersonalFer.Personalize;

internal static class PersonalizeCommands
{
    public static readonly Option<string> ModelOption = new("--model") { Description = "The general model: a .fermodel file or 'default' (shipped)", DefaultValueFactory = _ => "default" };
    public static readonly Option<string?> GeneralOption = new("--general") { Description = "FER2013 to replay while fine-tuning (2,000 Training faces); default: the model's own replay features" };

    public static Command Enroll()
    {
        var folder = new Option<string>("--folder") { Description = "<expression>/*.png|jpg of one person", Required = true };
        var output = new Option<string>("--out") { Description = "Profile file to write", Required = true };
        var name = new Option<string>("--name") { DefaultValueFactory = _ => "user" };
        var command = new Command("enroll", "Fine-tune a profile from a folder of one person's labelled images.") { folder, ModelOption, GeneralOption, output, name };
        command.SetAction(result =>
        {
            using var session = Session.Open(result.GetValue(ModelOption)!, result.GetValue(GeneralOption));
            var samples = LabelledImages.FromFolder(result.GetValue(folder)!);
            var started = DateTime.UtcNow;
            var fineTuned = session.Personalizer.FineTune(samples, result.GetValue(name)!, new PersonalizationOptions { SkipSamplesWithoutFace = true }, new ConsoleProgressLine());
            using var profile = fineTuned.Profile;
            profile.Save(result.GetValue(output)!);
            Console.WriteLine($"Profile '{profile.Name}': {fineTuned.FacesUsed} faces ({string.Join(", ", Expressions.All.Select((e, i) => $"{e} {profile.FacesPerExpression[i]}"))}), " +
                $"{fineTuned.SamplesWithoutFace.Count} without a face, {(DateTime.UtcNow - started).TotalSeconds:F1} s → {result.GetValue(output)}");
            return 0;
        });
        return command;
    }

    public static Command Evaluate()
    {
        var train = new Option<string>("--train") { Description = "<expression>/* images to personalize on", Required = true };
        var test = new Option<string>("--test") { Description = "<expression>/* images to measure on (same person, other takes)", Required = true };
        var json = new Option<string?>("--json") { Description = "Write {general, personalized, trainImages, testImages, facesNotFound} here" };
        var command = new Command("evaluate", "Accuracy of the general model and of a profile fine-tuned on --train, both on --test.") { train, test, ModelOption, GeneralOption, json };
        command.SetAction(result =>
        {
            using var session = Session.Open(result.GetValue(ModelOption)!, result.GetValue(GeneralOption));
            var trainImages = LabelledImages.FromFolder(result.GetValue(train)!);
            var testImages = LabelledImages.FromFolder(result.GetValue(test)!);
            var outcome = PersonalizationEvaluation.Run(session, trainImages, testImages);
            Console.WriteLine($"general {outcome.General.Accuracy:P1}, personalized {outcome.Personalized.Accuracy:P1} on {outcome.TestImages} test images " +
                $"({outcome.TrainImages} train images, {outcome.FacesNotFound} without a face)");
            if (result.GetValue(json) is { } path)
            {
                File.WriteAllText(path, JsonSerializer.Serialize(new
                {
                    general = new { accuracy = outcome.General.Accuracy },
                    personalized = new { accuracy = outcome.Personalized.Accuracy },
                    trainImages = outcome.TrainImages,
                    testImages = outcome.TestImages,
                    facesNotFound = outcome.FacesNotFound,
                }, new JsonSerializerOptions { WriteIndented = true }));
            }

            return 0;
        });
        return command;
    }
}

/// <summary>The detector, general model, pipeline and personalizer one command works with.</summary>
internal sealed class Session : IDisposable
{
    // The library's warnings (e.g. a model without general replay features, whose profiles forget FER2013) go to stderr.
    private readonly ILoggerFactory _loggerFactory = LoggerFactory.Create(b => b
        .SetMinimumLevel(LogLevel.Warning)
        .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Warning));

    private Session(YuNetFaceDetector detector, ExpressionModel model, FaceDataset? general)
    {
        Detector = detector;
        Model = model;
        Pipeline = new ExpressionPipeline(detector, model, logger: _loggerFactory.CreateLogger<ExpressionPipeline>());
        Personalizer = new Personalizer(detector, model, general, _loggerFactory.CreateLogger<Personalizer>());
    }

    public YuNetFaceDetector Detector { get; }

    public ExpressionModel Model { get; }

    public ExpressionPipeline Pipeline { get; }

    public Personalizer Personalizer { get; }

    public static Session Open(string model, string? generalPath)
    {
        var general = generalPath is null ? null : Fer2013.Load(generalPath, new Fer2013LoadOptions { DropBlankImages = true }).Training.EvenlySpaced(2000);
        var expressionModel = string.Equals(model, "default", StringComparison.OrdinalIgnoreCase) ? ExpressionModel.LoadDefault() : ExpressionModel.Load(model);
        return new Session(new YuNetFaceDetector(), expressionModel, general);
    }

    public void Dispose()
    {
        Detector.Dispose();
        Model.Dispose();
        _loggerFactory.Dispose();
    }
}

/// <summary>General versus personalized accuracy on one person's held-out images.</summary>
internal static class PersonalizationEvaluation
{
    /// <param name="session">The general model and personalizer.</param>
    /// <param name="train">Images to fine-tune on.</param>
    /// <param name="test">Images to measure on.</param>
    /// <param name="inspectProfile">Called with the profile before it is disposed (e.g. to measure forgetting).</param>
    public static Outcome Run(Session session, IReadOnlyList<LabelledImage> train, IReadOnlyList<LabelledImage> test, Action<PersonalProfile>? inspectProfile = null)
    {
        var fineTuned = session.Personalizer.FineTune(train, "evaluation", new PersonalizationOptions { SkipSamplesWithoutFace = true });
        using var profile = fineTuned.Profile;
        inspectProfile?.Invoke(profile);
        var truth = new List<Expression>();
        var general = new List<Expression>();
        var personalized = new List<Expression>();
        var notFound = fineTuned.SamplesWithoutFace.Count;
        foreach (var sample in test)
        {
            var withGeneral = session.Pipeline.Classify(sample.Image);
            if (withGeneral.Count == 0)
            {
                notFound++;
                continue;
            }

            truth.Add(sample.Label);
            general.Add(withGeneral[0].Expression);
            personalized.Add(session.Pipeline.Classify(sample.Image, profile)[0].Expression);
        }

        return new Outcome(EvaluationResult.FromPredictions(truth, general), EvaluationResult.FromPredictions(truth, personalized), train.Count, test.Count, notFound);
    }

    public sealed record Outcome(EvaluationResult General, EvaluationResult Personalized, int TrainImages, int TestImages, int FacesNotFound);
}

/// <summary>One console line that follows FineTune's stages (redrawn in place; silent when output is redirected).</summary>
internal sealed class ConsoleProgressLine : IProgress<PersonalizationProgress>
{
    public void Report(PersonalizationProgress value)
    {
        if (Console.IsOutputRedirected)
        {
            return;
        }

        var stage = value.Stage == PersonalizationStage.FindingFaces ? "finding faces" : "training the head";
        Console.Write($"\r{stage} {value.Completed}/{value.Total}".PadRight(40));
        if (value.Stage == PersonalizationStage.TrainingHead && value.Completed == value.Total)
        {
            Console.WriteLine();
        }
    }
}
