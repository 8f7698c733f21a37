using System.CommandLine;
using System.Globalization;
using System.Text;
using OpenCvSharp;
using PersonalFer.Data;
using PersonalFer.Model;
using PersonalFer.Personalize;

namespace PersonalFer.Research;

/// <summary>
/// The personalization protocol on JAFFE-dev: per subject, fine-tune on k images per expression, test on that
/// subject's other images, repeat over random draws; report mean accuracy over subjects for the general model and
/// the profile, and the profiles' FER2013 PrivateTest accuracy (forgetting). Images stay in ../shared.
/// </summary>
internal static class JaffeCommand
{
    public static Command Create()
    {
        var root = new Option<string>("--jaffe") { Description = "The jaffe-dev folder (manifest.csv, images/)", Required = true };
        var fer = new Option<string>("--fer2013") { Description = "FER2013, for PrivateTest accuracy with each profile (forgetting)", Required = true };
        var draws = new Option<int>("--draws") { DefaultValueFactory = _ => 5 };
        var markdown = new Option<string?>("--markdown") { Description = "Write the result table here" };
        // Results from different hosts compare only at one precision (BFloat16 is the default only where the CPU has it natively).
        var precision = new Option<InferencePrecision?>("--precision") { Description = "Float32 or BFloat16 (default: what Classify uses on this CPU)" };
        var command = new Command("evaluate-jaffe", "Run the JAFFE-dev personalization protocol for k = 1 and 2.") { root, PersonalizeCommands.ModelOption, PersonalizeCommands.GeneralOption, fer, draws, markdown, precision };
        command.SetAction(result =>
        {
            using var session = Session.Open(result.GetValue(PersonalizeCommands.ModelOption)!, result.GetValue(PersonalizeCommands.GeneralOption));
            session.Model.Precision = result.GetValue(precision) ?? session.Model.Precision;
            var privateTest = Fer2013.Load(result.GetValue(fer)!).PrivateTest;
            var generalFer = Evaluator.Evaluate(session.Model, privateTest).Accuracy;
            var subjects = Load(result.GetValue(root)!);
            var table = new StringBuilder();
            table.AppendLine(CultureInfo.InvariantCulture, $"General model on FER2013 PrivateTest: {generalFer:P2} ({session.Model.Precision})\n");
            table.AppendLine("| k per expression | subjects | draws | general accuracy | personalized accuracy | personalized on FER2013 PrivateTest |");
            table.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: |");
            foreach (var k in new[] { 1, 2 })
            {
                var general = new List<double>();
                var personal = new List<double>();
                var forgetting = new List<double>();
                foreach (var (subject, images) in subjects)
                {
                    double subjectGeneral = 0, subjectPersonal = 0;
                    for (var draw = 0; draw < result.GetValue(draws); draw++)
                    {
                        var random = new Random(HashOf(subject) + (k * 1000) + draw);
                        var train = images.GroupBy(i => i.Label).SelectMany(g => g.OrderBy(_ => random.Next()).Take(k)).ToList();
                        var test = images.Except(train).ToList();
                        var outcome = PersonalizationEvaluation.Run(session, train, test, profile =>
                        {
                            if (draw == 0)
                            {
                                forgetting.Add(Evaluator.Evaluate(session.Model, privateTest, head: profile.Head).Accuracy);
                            }
                        });
                        subjectGeneral += outcome.General.Accuracy;
                        subjectPersonal += outcome.Personalized.Accuracy;
                    }

                    general.Add(subjectGeneral / result.GetValue(draws));
                    personal.Add(subjectPersonal / result.GetValue(draws));
                    Console.WriteLine($"k={k} {subject}: general {general[^1]:P1}, personalized {personal[^1]:P1}, FER2013 PrivateTest with profile {forgetting[^1]:P1}");
                }

                table.AppendLine(CultureInfo.InvariantCulture, $"| {k} | {subjects.Count} | {result.GetValue(draws)} | {general.Average():P1} | {personal.Average():P1} | {forgetting.Average():P1} |");
            }

            Console.WriteLine(table);
            if (result.GetValue(markdown) is { } path)
            {
                File.WriteAllText(path, table.ToString());
            }

            return 0;
        });
        return command;
    }

    private static int HashOf(string subject) => subject.Aggregate(17, (h, c) => (h * 31) + c);

    internal static List<(string Subject, List<LabelledImage> Images)> Load(string root) =>
        File.ReadLines(Path.Combine(root, "manifest.csv")).Skip(1)
            .Select(line => line.Split(','))
            .GroupBy(f => f[1])
            .Select(g => (g.Key, g.Select(f =>
            {
                var path = Path.Combine(root, f[0]);
                using var image = Cv2.ImRead(path, ImreadModes.Grayscale);
                image.GetArray(out byte[] pixels);
                return new LabelledImage(new ImageData(pixels, image.Width, image.Height, PixelFormat.Gray8), (Expression)int.Parse(f[2], CultureInfo.InvariantCulture), path);
            }).ToList()))
            .ToList();
}
