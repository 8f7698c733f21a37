using PersonalFer.Data;
using PersonalFer.Tests;
using static TorchSharp.torch;

namespace PersonalFer.Model.Tests;

/// <summary>
/// How a personal head trains: the fused optimizer takes the steps torch's AdamW takes, distilling the replayed
/// general faces keeps the general head's answers on them, and the new options refuse values out of range.
/// </summary>
public sealed class HeadTrainingTests
{
    [Fact]
    public void Fused_AdamW_takes_the_steps_torch_AdamW_takes()
    {
        const double learningRate = 0.01;
        const double weightDecay = 0.1;
        using var generator = new Generator(7);
        // Sizes that are no multiple of a vector's width, so the scalar tail is exercised too.
        using var reference = nn.Sequential(nn.Linear(37, 19), nn.ReLU(), nn.Linear(19, 7));
        using var fused = nn.Sequential(nn.Linear(37, 19), nn.ReLU(), nn.Linear(19, 7));
        using (no_grad())
        {
            fused.load_state_dict(reference.state_dict());
        }

        using var input = randn([64, 37], generator: generator);
        using var labels = randint(0, 7, [64], generator: generator);
        using var torchOptimizer = optim.AdamW(reference.parameters(), learningRate, weight_decay: weightDecay);
        var fusedOptimizer = new FusedAdamW(fused.parameters(), learningRate, weightDecay);

        for (var step = 0; step < 25; step++)
        {
            using var scope = NewDisposeScope();
            torchOptimizer.zero_grad();
            nn.functional.cross_entropy(reference.forward(input), labels).backward();
            torchOptimizer.step();
            fusedOptimizer.ZeroGrad();
            nn.functional.cross_entropy(fused.forward(input), labels).backward();
            fusedOptimizer.Step();
        }

        foreach (var ((name, expected), (_, actual)) in reference.named_parameters().Zip(fused.named_parameters()))
        {
            using var difference = (expected - actual).abs().max();
            Assert.True(difference.item<float>() < 1e-5f, $"{name} differs by {difference.item<float>()} after 25 steps");
        }
    }

    [Fact]
    public void Distilled_replay_keeps_the_general_heads_answers_on_general_faces_better_than_labels()
    {
        using var model = ExpressionModel.LoadDefault();
        var general = model.GeneralReplay!;
        var faces = TestFaces.Make(14, seed: 5);
        var person = model.ExtractFeatures(faces.Pixels, [.. faces.Labels.Select(_ => Expression.Happy)], addMirrored: true);
        var generalAnswers = Answers(model, head: null);

        using var distilled = PersonalHead.Train(model, person, general, new HeadTrainingOptions { ReplayDistillation = 1 });
        using var labelled = PersonalHead.Train(model, person, general, new HeadTrainingOptions { ReplayDistillation = 0 });

        var distilledAgreement = Agreement(Answers(model, distilled), generalAnswers);
        var labelledAgreement = Agreement(Answers(model, labelled), generalAnswers);
        Assert.True(distilledAgreement > labelledAgreement, $"distilled {distilledAgreement:P1}, labelled {labelledAgreement:P1}");
    }

    [Theory]
    [InlineData(nameof(HeadTrainingOptions.ReplayDistillation), -0.1)]
    [InlineData(nameof(HeadTrainingOptions.ReplayDistillation), 1.1)]
    [InlineData(nameof(HeadTrainingOptions.ReplayDistillation), double.NaN)]
    [InlineData(nameof(HeadTrainingOptions.DistillationTemperature), 0)]
    [InlineData(nameof(HeadTrainingOptions.DistillationTemperature), 101)]
    [InlineData(nameof(HeadTrainingOptions.DistillationTemperature), double.PositiveInfinity)]
    [InlineData(nameof(HeadTrainingOptions.DistillationTemperature), double.NaN)]
    public void Distillation_options_out_of_range_are_refused_by_name(string option, double value)
    {
        var options = option == nameof(HeadTrainingOptions.ReplayDistillation)
            ? new HeadTrainingOptions { ReplayDistillation = value }
            : new HeadTrainingOptions { DistillationTemperature = value };

        Assert.Equal(option, Assert.Throws<ArgumentOutOfRangeException>(options.Validate).ParamName);
    }

    // The expression each replayed general face gets from the general head or a personal one.
    private static long[] Answers(ExpressionModel model, PersonalHead? head)
    {
        var general = model.GeneralReplay!;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var features = FaceTensors.Matrix(general.Values, general.Count, general.Length);
        return (head?.Module ?? model.Network.Head).forward(features).argmax(1).data<long>().ToArray();
    }

    private static double Agreement(long[] answers, long[] reference) => answers.Zip(reference).Average(pair => pair.First == pair.Second ? 1.0 : 0.0);
}
