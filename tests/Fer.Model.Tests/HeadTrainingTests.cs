using PersonalFer.Data;
using PersonalFer.Tests;
using static TorchSharp.torch;

namespace PersonalFer.Model.Tests;

/// <summary>
/// How a personal head trains: the fused optimizer takes the steps torch's AdamW takes (also from a gradient in two
/// parts, updated on two threads), training in two halves gives the head autograd gives, a seed gives the same head
/// every time, distilling the replayed general faces keeps the general head's answers on them, and the new options
/// refuse values out of range.
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
            fused.zero_grad();
            nn.functional.cross_entropy(fused.forward(input), labels).backward();
            // In three parts: their bounds fall inside the parameters, and the last part of each runs the scalar tail.
            var gradients = Gradients(fused);
            var update = fusedOptimizer.Next();
            for (var part = 0; part < 3; part++)
            {
                fusedOptimizer.Update(update, part, 3, gradients);
            }
        }

        AssertSameParameters(reference, fused, 1e-5f, "after 25 steps");
    }

    [Fact]
    public void An_update_from_a_gradient_in_two_parts_is_the_update_from_their_sum()
    {
        const double learningRate = 0.01;
        const double weightDecay = 0.1;
        using var generator = new Generator(11);
        using var reference = nn.Sequential(nn.Linear(37, 19), nn.ReLU(), nn.Linear(19, 7));
        using var head = nn.Sequential(nn.Linear(37, 19), nn.ReLU(), nn.Linear(19, 7));
        using (no_grad())
        {
            head.load_state_dict(reference.state_dict());
        }

        using var input = randn([64, 37], generator: generator);
        using var labels = randint(0, 7, [64], generator: generator);
        var whole = new FusedAdamW(reference.parameters(), learningRate, weightDecay);
        var split = new FusedAdamW(head.parameters(), learningRate, weightDecay);

        for (var step = 0; step < 25; step++)
        {
            using var scope = NewDisposeScope();
            reference.zero_grad();
            nn.functional.cross_entropy(reference.forward(input), labels, reduction: nn.Reduction.Sum).backward();
            whole.Update(whole.Next(), 0, 1, Gradients(reference));
            head.zero_grad();
            nn.functional.cross_entropy(head.forward(input[..40]), labels[..40], reduction: nn.Reduction.Sum).backward();
            var firstPart = Gradients(head).Select(gradient => gradient.clone()).ToList();
            head.zero_grad();
            nn.functional.cross_entropy(head.forward(input[40..]), labels[40..], reduction: nn.Reduction.Sum).backward();
            var secondPart = Gradients(head);
            // The two parts of the update at the same time, as training runs them.
            var update = split.Next();
            Parallel.Invoke(() => split.Update(update, 0, 2, firstPart, secondPart), () => split.Update(update, 1, 2, firstPart, secondPart));
        }

        AssertSameParameters(reference, head, 1e-5f, "after 25 steps");
    }

    [Fact]
    public void An_optimizer_refuses_gradients_that_do_not_fit_its_parameters()
    {
        using var head = nn.Sequential(nn.Linear(5, 3));
        using var other = nn.Sequential(nn.Linear(3, 5));
        using var scope = NewDisposeScope();
        var optimizer = new FusedAdamW(head.parameters(), 0.01, 0);
        var step = optimizer.Next();

        Assert.Throws<ArgumentException>(() => optimizer.Update(step, 0, 1, [.. other.parameters()]));
        Assert.Throws<ArgumentException>(() => optimizer.Update(step, 0, 1, [zeros(3, 5)]));
        Assert.Throws<ArgumentException>(() => optimizer.Update(step, 0, 1, [zeros(3, 5), zeros(3, dtype: float64)]));
        var before = head.parameters().Select(parameter => parameter.clone()).ToList();
        Assert.Throws<ArgumentException>(() => optimizer.Update(step, 0, 1, [ones(3, 5), ones(3)], [ones(3, 5), ones(5)]));
        Assert.All(head.parameters().Zip(before), pair => Assert.True(pair.First.eq(pair.Second).all().item<bool>(), "a refused update changed a weight"));
    }

    [Fact]
    public void Training_in_two_halves_gives_the_head_one_pass_over_each_whole_batch_gives()
    {
        using var model = ExpressionModel.LoadDefault();
        var faces = TestFaces.Make(14, seed: 7);
        var person = model.ExtractFeatures(faces.Pixels, [.. faces.Labels.Take(10), .. faces.Labels.Take(4)], addMirrored: true);
        var options = new HeadTrainingOptions { Steps = 30 };

        using var halves = PersonalHead.Train(model, person, model.GeneralReplay, options);

        // The same training by autograd, one pass per batch: the rows, the masks (SeededDropout drawing from the seed
        // as the batch passes) and the optimizer's steps.
        using var whole = model.Network.NewHead();
        using (no_grad())
        {
            whole.load_state_dict(model.Network.Head.state_dict());
        }

        var batches = new HeadTrainingBatches(whole, person, model.GeneralReplay, options);
        var loss = new ReferenceHeadLoss(model, person, model.GeneralReplay, options);
        using var dropout = new Generator((ulong)options.Seed);
        Networks.SeededDropout.Use(whole, dropout);
        whole.train();
        var optimizer = new FusedAdamW(whole.parameters(), options.LearningRate, options.WeightDecay);
        for (var step = 0; step < options.Steps; step++)
        {
            using var scope = NewDisposeScope();
            whole.zero_grad();
            var rows = batches.Draw();
            loss.Loss(whole.forward(loss.Features(rows)), rows).backward();
            optimizer.Update(optimizer.Next(), 0, 1, Gradients(whole));
        }

        AssertSameParameters(whole, halves.Module, 1e-4f, $"after {options.Steps} steps");
    }

    [Fact]
    public void A_seeded_head_is_the_same_in_every_training()
    {
        using var model = ExpressionModel.LoadDefault();
        var faces = TestFaces.Make(14, seed: 6);
        var person = model.ExtractFeatures(faces.Pixels, faces.Labels, addMirrored: true);
        var options = new HeadTrainingOptions { Steps = 40 };

        // The first training computes the replay's soft targets, the second reuses them; another temperature needs others.
        using var first = PersonalHead.Train(model, person, model.GeneralReplay, options);
        using var second = PersonalHead.Train(model, person, model.GeneralReplay, options);
        using var otherSeed = PersonalHead.Train(model, person, model.GeneralReplay, options with { Seed = 2 });
        using var otherTemperature = PersonalHead.Train(model, person, model.GeneralReplay, options with { DistillationTemperature = 3 });

        foreach (var ((name, a), (_, b), (_, c)) in first.Module.named_parameters().Zip(second.Module.named_parameters(), otherSeed.Module.named_parameters()))
        {
            Assert.True(a.eq(b).all().item<bool>(), $"{name} differs between two trainings with the same seed");
            Assert.False(a.eq(c).all().item<bool>(), $"{name} is the same with another seed: the seed is not used");
        }

        foreach (var ((name, a), (_, d)) in first.Module.named_parameters().Zip(otherTemperature.Module.named_parameters()))
        {
            Assert.False(a.eq(d).all().item<bool>(), $"{name} is the same at another distillation temperature: stale soft targets were reused");
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

    private static List<Tensor> Gradients(nn.Module module) => [.. module.parameters().Select(parameter => parameter.grad!)];

    private static void AssertSameParameters(nn.Module expected, nn.Module actual, float tolerance, string when)
    {
        foreach (var ((name, a), (_, b)) in expected.named_parameters().Zip(actual.named_parameters()))
        {
            using var difference = (a - b).abs().max();
            Assert.True(difference.item<float>() < tolerance, $"{name} differs by {difference.item<float>()} {when}");
        }
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
