using System.Text.Json;
using PersonalFer.Data;
using PersonalFer.Model;
using Spectre.Console;

namespace PersonalFer.Train;

internal static class Report
{
    public static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public static void Print(EvaluationResult result, string title)
    {
        var table = new Table().Title($"{Markup.Escape(title)}: accuracy [bold]{result.Accuracy:P2}[/]");
        table.AddColumns("class", "precision", "recall", "F1", "support");
        foreach (var c in result.PerClass)
        {
            table.AddRow(c.Expression.ToString(), c.Precision.ToString("P1"), c.Recall.ToString("P1"), c.F1.ToString("F3"), c.Support.ToString());
        }

        AnsiConsole.Write(table);
    }

    /// <summary>Writes the script-checkable shape: {"accuracy": …, "perClass": {…}, "confusion": [[…]]}.</summary>
    public static void WriteJson(EvaluationResult result, string path) => WriteJson(Summary(result), path);

    /// <summary>Writes <paramref name="content"/> as indented JSON.</summary>
    public static void WriteJson(object content, string path) => File.WriteAllText(path, JsonSerializer.Serialize(content, JsonOptions));

    /// <summary>An evaluation as {"accuracy": …, "count": …, "perClass": {…}, "confusion": [[…]], "classOrder": […]}.</summary>
    public static Dictionary<string, object> Summary(EvaluationResult result) => new()
    {
        ["accuracy"] = result.Accuracy,
        ["count"] = result.Count,
        ["perClass"] = result.PerClass.ToDictionary(
            c => c.Expression.ToString(),
            c => new { precision = c.Precision, recall = c.Recall, f1 = c.F1, support = c.Support }),
        ["confusion"] = result.Confusion,
        ["classOrder"] = Expressions.All.Select(e => e.ToString()).ToArray(),
    };
}
