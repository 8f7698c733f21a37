using PersonalFer.Data;
using PersonalFer.Model;
using ScottPlot;

namespace PersonalFer.Research;

/// <summary>PNG charts: training curves and the confusion matrix.</summary>
internal static class Plots
{
    public static void TrainingCurves(IReadOnlyList<EpochSummary> history, string path)
    {
        var plot = new Plot();
        double[] epochs = [.. history.Select(e => (double)e.Epoch)];
        var train = plot.Add.Scatter(epochs, [.. history.Select(e => e.TrainAccuracy * 100)]);
        train.LegendText = "training accuracy (augmented)";
        var validation = plot.Add.Scatter(epochs, [.. history.Select(e => e.ValidationAccuracy * 100)]);
        validation.LegendText = "PublicTest accuracy";
        plot.Title("Training curves");
        plot.XLabel("epoch");
        plot.YLabel("accuracy (%)");
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, 900, 500);
    }

    public static void ConfusionMatrix(EvaluationResult result, string title, string path)
    {
        var plot = new Plot();
        // Rows normalized to recall, so rare classes (Disgust) stay readable. ScottPlot draws the array's row 0 at the
        // top, where the labels put Angry; the text cells use plot coordinates (y grows upwards).
        var n = Expressions.Count;
        var recall = new double[n, n];
        for (var t = 0; t < n; t++)
        {
            var support = Math.Max(1, result.Confusion[t].Sum());
            for (var p = 0; p < n; p++)
            {
                recall[t, p] = result.Confusion[t][p] / (double)support;
            }
        }

        var heatmap = plot.Add.Heatmap(recall);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        for (var t = 0; t < n; t++)
        {
            for (var p = 0; p < n; p++)
            {
                var text = plot.Add.Text($"{result.Confusion[t][p]}", p, n - 1 - t);
                text.LabelFontColor = recall[t, p] > 0.5 ? Colors.Black : Colors.White;
                text.LabelAlignment = Alignment.MiddleCenter;
            }
        }

        var names = Expressions.All.Select(e => e.ToString()).ToArray();
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, n).Select(i => (double)i)], names);
        plot.Axes.Left.SetTicks([.. Enumerable.Range(0, n).Select(i => (double)(n - 1 - i))], names);
        plot.Add.ColorBar(heatmap);
        plot.Title(title);
        plot.XLabel("predicted");
        plot.YLabel("true");
        plot.SavePng(path, 800, 700);
    }
}
