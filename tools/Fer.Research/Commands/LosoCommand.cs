using System.CommandLine;
using System.Globalization;
using System.Text;
using PersonalFer.Data;
using PersonalFer.Model;
using PersonalFer.Personalize;

namespace PersonalFer.Research;

/// <summary>
/// Few-photo personalization judged leave-one-subject-out on JAFFE-dev: every candidate setting runs on every subject,
/// and each subject is scored with the setting that did best on the other subjects (ties: the one that forgot less of
/// FER2013 on them), so no number comes from a setting chosen on the person it is tested on. Adds subsets of three
/// expressions and profiles grown photo by photo.
/// </summary>
internal static class LosoCommand
{
    // The candidate settings: the library's defaults first, then the levers they are chosen against.
    private static readonly (string Name, PersonalizationOptions Options)[] Candidates =
    [
        ("defaults (distilled replay, 112 jittered copies, 200 steps, 60 % replayed)", new PersonalizationOptions()),
        ("100 steps, 50 % replayed", new PersonalizationOptions { Head = new HeadTrainingOptions { Steps = 100, GeneralShare = 0.5 } }),
        ("150 steps, 50 % replayed", new PersonalizationOptions { Head = new HeadTrainingOptions { Steps = 150, GeneralShare = 0.5 } }),
        ("150 steps", new PersonalizationOptions { Head = new HeadTrainingOptions { Steps = 150 } }),
        ("150 steps, learning rate 0.0013", new PersonalizationOptions { Head = new HeadTrainingOptions { Steps = 150, LearningRate = 0.0013 } }),
        ("70 % replayed", new PersonalizationOptions { Head = new HeadTrainingOptions { GeneralShare = 0.7 } }),
        ("no jittered copies", new PersonalizationOptions { JitteredCopies = 0 }),
        ("replay on its labels, not distilled", new PersonalizationOptions { Head = new HeadTrainingOptions { ReplayDistillation = 0 } }),
        ("jitter ranges halved", new PersonalizationOptions { JitterRanges = 0.5 }),
        ("jitter ranges doubled", new PersonalizationOptions { JitterRanges = 2 }),
    ];

    private const int SubsetSize = 3;

    public static Command Create()
    {
        var root = new Option<string>("--jaffe") { Description = "The jaffe-dev folder (manifest.csv, images/)", Required = true };
        var fer = new Option<string>("--fer2013") { Description = "FER2013, for PrivateTest accuracy with the chosen profiles (forgetting)", Required = true };
        var draws = new Option<int>("--draws") { DefaultValueFactory = _ => 10 };
        var markdown = new Option<string?>("--markdown") { Description = "Write the result tables here" };
        var precision = new Option<InferencePrecision?>("--precision") { Description = "Float32 or BFloat16 (default: what Classify uses on this CPU)" };
        var command = new Command("evaluate-jaffe-loso", "Few-photo personalization on JAFFE-dev, each subject scored with the setting chosen on the others (k = 1, 2; subsets of three; grown profiles).")
        {
            root, PersonalizeCommands.ModelOption, fer, draws, markdown, precision,
        };
        command.SetAction(result =>
        {
            using var session = Session.Open(result.GetValue(PersonalizeCommands.ModelOption)!, generalPath: null);
            session.Model.Precision = result.GetValue(precision) ?? session.Model.Precision;
            var drawCount = result.GetValue(draws);
            var subjects = JaffeCommand.Load(result.GetValue(root)!);
            var general = subjects.ToDictionary(s => s.Subject, s => s.Images.ToDictionary(i => i, i => Predict(session, i, null)));
            var report = new StringBuilder();
            report.AppendLine(CultureInfo.InvariantCulture, $"{subjects.Count} subjects, {drawCount} draws per subject, {session.Model.Precision}.\n");

            // accuracy[k][candidate][subject]: mean over draws.
            var accuracy = new Dictionary<int, double[][]>();
            foreach (var k in new[] { 1, 2 })
            {
                accuracy[k] = Candidates.Select(c => subjects.Select(s =>
                    Enumerable.Range(0, drawCount).Average(draw =>
                    {
                        var (train, test) = Draw(s.Subject, s.Images, k, draw);
                        using var profile = session.Personalizer.FineTune(train, "evaluation", c.Options with { SkipSamplesWithoutFace = true }).Profile;
                        return Accuracy(session, test, profile);
                    })).ToArray()).ToArray();
                for (var c = 0; c < Candidates.Length; c++)
                {
                    Console.WriteLine($"k={k} {Candidates[c].Name}: {string.Join(", ", subjects.Select((s, i) => $"{s.Subject} {accuracy[k][c][i]:P1}"))}");
                }
            }

            // kept[k][candidate][subject]: PrivateTest accuracy of the profile from the subject's first draw.
            var privateTest = Fer2013.Load(result.GetValue(fer)!).PrivateTest;
            var kept = new[] { 1, 2 }.ToDictionary(k => k, k => Candidates.Select(c => subjects.Select(s =>
            {
                using var profile = session.Personalizer.FineTune(Draw(s.Subject, s.Images, k, 0).Train, "evaluation", c.Options with { SkipSamplesWithoutFace = true }).Profile;
                return Evaluator.Evaluate(session.Model, privateTest, head: profile.Head).Accuracy;
            }).ToArray()).ToArray());
            report.AppendLine("| k per expression | general model | chosen on the other subjects | profile on FER2013 PrivateTest | settings chosen |");
            report.AppendLine("| --- | ---: | ---: | ---: | --- |");
            var chosen = new Dictionary<int, int[]>();
            foreach (var k in new[] { 1, 2 })
            {
                // Ties on the other subjects' accuracy (their few held-out images make them common) go to the
                // setting whose profiles kept more of FER2013 on those subjects.
                chosen[k] = subjects.Select((_, held) =>
                {
                    var others = Enumerable.Range(0, subjects.Count).Where(s => s != held).ToList();
                    return Enumerable.Range(0, Candidates.Length)
                        .OrderByDescending(c => Math.Round(others.Average(s => accuracy[k][c][s]), 9))
                        .ThenByDescending(c => others.Average(s => kept[k][c][s]))
                        .First();
                }).ToArray();
                var scored = subjects.Select((_, held) => accuracy[k][chosen[k][held]][held]).Average();
                var generalScore = subjects.Select(s => Enumerable.Range(0, drawCount).Average(draw => GeneralAccuracy(general[s.Subject], Draw(s.Subject, s.Images, k, draw).Test))).Average();
                var chosenKept = subjects.Select((_, held) => kept[k][chosen[k][held]][held]).ToList();
                report.AppendLine(CultureInfo.InvariantCulture,
                    $"| {k} | {generalScore:P1} | **{scored:P1}** | {chosenKept.Average():P1} (lowest {chosenKept.Min():P1}) | {string.Join("; ", subjects.Select((s, i) => $"{s.Subject}: {Candidates[chosen[k][i]].Name}"))} |");
            }

            report.AppendLine("\nEvery candidate, mean over subjects (the choice above is made without the subject scored):\n");
            report.AppendLine("| setting | k = 1 | k = 2 | PrivateTest, k = 1 / 2 |");
            report.AppendLine("| --- | ---: | ---: | ---: |");
            for (var c = 0; c < Candidates.Length; c++)
            {
                report.AppendLine(CultureInfo.InvariantCulture,
                    $"| {Candidates[c].Name} | {accuracy[1][c].Average():P1} | {accuracy[2][c].Average():P1} | {kept[1][c].Average():P1} / {kept[2][c].Average():P1} |");
            }

            Subsets(session, subjects, general, chosen[1], drawCount, privateTest, report);
            Grown(session, subjects, chosen[2], drawCount, report);
            Console.WriteLine(report);
            if (result.GetValue(markdown) is { } path)
            {
                File.WriteAllText(path, report.ToString());
            }

            return 0;
        });
        return command;
    }

    // One photo each of three random expressions; held-out images of the given ones and all images of the others,
    // and the first draw's profiles on FER2013 PrivateTest (forgetting).
    private static void Subsets(Session session, List<(string Subject, List<LabelledImage> Images)> subjects, Dictionary<string, Dictionary<LabelledImage, Expression?>> general, int[] chosen, int drawCount, FaceDataset privateTest, StringBuilder report)
    {
        int givenRight = 0, givenGeneral = 0, givenTotal = 0, otherRight = 0, otherGeneral = 0, otherTotal = 0;
        var kept = new List<double>();
        for (var s = 0; s < subjects.Count; s++)
        {
            var (subject, images) = subjects[s];
            for (var draw = 0; draw < drawCount; draw++)
            {
                var random = new Random(HashOf(subject) + 7000 + draw);
                var given = images.Select(i => i.Label).Distinct().Order().OrderBy(_ => random.Next()).Take(SubsetSize).ToHashSet();
                var train = images.Where(i => given.Contains(i.Label)).GroupBy(i => i.Label).Select(g => g.OrderBy(_ => random.Next()).First()).ToList();
                using var profile = session.Personalizer.FineTune(train, "evaluation", Candidates[chosen[s]].Options with { SkipSamplesWithoutFace = true }).Profile;
                if (draw == 0)
                {
                    kept.Add(Evaluator.Evaluate(session.Model, privateTest, head: profile.Head).Accuracy);
                }

                foreach (var image in images.Except(train))
                {
                    var right = Predict(session, image, profile) == image.Label ? 1 : 0;
                    var generalRight = general[subject][image] == image.Label ? 1 : 0;
                    if (given.Contains(image.Label))
                    {
                        (givenRight, givenGeneral, givenTotal) = (givenRight + right, givenGeneral + generalRight, givenTotal + 1);
                    }
                    else
                    {
                        (otherRight, otherGeneral, otherTotal) = (otherRight + right, otherGeneral + generalRight, otherTotal + 1);
                    }
                }
            }
        }

        report.AppendLine(CultureInfo.InvariantCulture, $"\nOne photo each of {SubsetSize} random expressions, per subject the setting chosen for k = 1 on the others:\n");
        report.AppendLine("| held-out images | images | general model | profile |");
        report.AppendLine("| --- | ---: | ---: | ---: |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| of the {SubsetSize} expressions given | {givenTotal} | {(double)givenGeneral / givenTotal:P1} | {(double)givenRight / givenTotal:P1} |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| of the expressions not given | {otherTotal} | {(double)otherGeneral / otherTotal:P1} | {(double)otherRight / otherTotal:P1} |");
        report.AppendLine(CultureInfo.InvariantCulture, $"\nThe first draw's profiles on FER2013 PrivateTest: {kept.Average():P1} (lowest {kept.Min():P1}).");
    }

    // One photo per expression, then the profile grown with a second, against both photos at once.
    private static void Grown(Session session, List<(string Subject, List<LabelledImage> Images)> subjects, int[] chosen, int drawCount, StringBuilder report)
    {
        double once = 0, first = 0, grown = 0;
        for (var s = 0; s < subjects.Count; s++)
        {
            var (subject, images) = subjects[s];
            var options = Candidates[chosen[s]].Options with { SkipSamplesWithoutFace = true };
            for (var draw = 0; draw < drawCount; draw++)
            {
                var (train, test) = Draw(subject, images, 2, draw);
                var firstPhotos = train.GroupBy(i => i.Label).Select(g => g.First()).ToList();
                using var together = session.Personalizer.FineTune(train, "evaluation", options).Profile;
                using var started = session.Personalizer.FineTune(firstPhotos, "evaluation", options).Profile;
                using var grownProfile = session.Personalizer.FineTune(started, train.Except(firstPhotos).ToList(), options).Profile;
                once += Accuracy(session, test, together);
                first += Accuracy(session, test, started);
                grown += Accuracy(session, test, grownProfile);
            }
        }

        var runs = subjects.Count * drawCount;
        report.AppendLine("\nGrowing a profile (the k = 2 draws; per subject the setting chosen for k = 2 on the others):\n");
        report.AppendLine("| profile | accuracy on the held-out images |");
        report.AppendLine("| --- | ---: |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| first photo of each expression | {first / runs:P1} |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| grown with the second photos, without the first | {grown / runs:P1} |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| both photos at once | {once / runs:P1} |");
    }

    private static (List<LabelledImage> Train, List<LabelledImage> Test) Draw(string subject, List<LabelledImage> images, int k, int draw)
    {
        var random = new Random(HashOf(subject) + (k * 1000) + draw);
        var train = images.GroupBy(i => i.Label).SelectMany(g => g.OrderBy(_ => random.Next()).Take(k)).ToList();
        return (train, images.Except(train).ToList());
    }

    private static int HashOf(string subject) => subject.Aggregate(17, (h, c) => (h * 31) + c);

    private static Expression? Predict(Session session, LabelledImage image, PersonalProfile? profile) =>
        (profile is null ? session.Pipeline.Classify(image.Image) : session.Pipeline.Classify(image.Image, profile)) is { Count: > 0 } faces ? faces[0].Expression : null;

    // Images without a face count as wrong.
    private static double Accuracy(Session session, List<LabelledImage> test, PersonalProfile profile) =>
        test.Average(image => Predict(session, image, profile) == image.Label ? 1.0 : 0.0);

    private static double GeneralAccuracy(Dictionary<LabelledImage, Expression?> general, List<LabelledImage> test) =>
        test.Average(image => general[image] == image.Label ? 1.0 : 0.0);
}
