using PersonalFer.Data;
using PersonalFer.Model.Networks;
using PersonalFer.Tests;
using static TorchSharp.torch;

namespace PersonalFer.Model.Tests;

/// <summary>
/// A head's gradients computed by hand, in two parts of a batch, add up to what autograd gives for the whole batch's
/// loss with the dropout masks a seeded generator draws in one pass: for every split of the batch, with and without
/// distillation and replay, and for a person who gave only some expressions.
/// </summary>
public sealed class HeadBackpropTests
{
    [Theory]
    [InlineData(32, 1.0, true, true)]
    [InlineData(20, 1.0, true, false)]
    [InlineData(50, 0.5, true, true)]
    [InlineData(32, 0.0, true, true)]
    [InlineData(32, 1.0, false, false)]
    [InlineData(1, 1.0, true, true)]
    public void Two_parts_of_a_batch_add_up_to_autograds_gradient_of_the_whole(int firstRows, double distillation, bool replay, bool allExpressions)
    {
        using var model = ExpressionModel.LoadDefault();
        var faces = TestFaces.Make(14, seed: 3);
        IReadOnlyList<Expression> labels = allExpressions ? faces.Labels : [.. faces.Labels.Select(label => label == Expression.Fear ? Expression.Happy : label)];
        var person = model.ExtractFeatures(faces.Pixels, labels, addMirrored: true);
        var general = replay ? model.GeneralReplay : null;
        var options = new HeadTrainingOptions { ReplayDistillation = distillation, Seed = 9 };
        using var head = model.Network.NewHead();
        using (no_grad())
        {
            head.load_state_dict(model.Network.Head.state_dict());
        }

        var batches = new HeadTrainingBatches(head, person, general, options);
        var rows = batches.Draw();
        using var masks = new DropoutMasks(head, options.BatchSize, (ulong)options.Seed);
        masks.Draw();
        using var first = new HeadBackprop(head, masks, 0, firstRows, batches.Length);
        using var second = new HeadBackprop(head, masks, firstRows, options.BatchSize - firstRows, batches.Length);
        first.Run(batches, rows);
        second.Run(batches, rows);

        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)options.Seed);
        SeededDropout.Use(head, generator);
        head.train();
        var reference = new ReferenceHeadLoss(model, person, general, options);
        reference.Loss(head.forward(reference.Features(rows)), rows).backward();

        foreach (var ((name, parameter), a, b) in head.named_parameters().Zip(first.Gradients, second.Gradients))
        {
            var expected = parameter.grad!;
            var tolerance = 1e-5 * Math.Max(1, expected.abs().max().item<float>());
            var difference = expected.sub(a.add(b)).abs().max().item<float>();
            Assert.True(difference <= tolerance, $"{name}: the parts' gradient differs from autograd's by {difference} (largest gradient {expected.abs().max().item<float>()})");
            Assert.True(expected.abs().max().item<float>() > 0, $"{name}: no gradient to compare");
        }
    }

    [Fact]
    public void A_head_with_a_layer_it_cannot_differentiate_is_refused()
    {
        using var head = nn.Sequential(("fc1", nn.Linear(8, 4)), ("tanh", nn.Tanh()), ("fc2", nn.Linear(4, 7)));
        using var masks = new DropoutMasks(head, 4, 1);

        Assert.Contains("tanh", Assert.Throws<NotSupportedException>(() => new HeadBackprop(head, masks, 0, 4, 8)).Message);
    }
}
