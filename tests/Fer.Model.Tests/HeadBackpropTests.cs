using PersonalFer.Data;
using PersonalFer.Model.Networks;
using PersonalFer.Tests;
using static TorchSharp.torch;

namespace PersonalFer.Model.Tests;

/// <summary>
/// A head's gradients computed by hand, in two parts of a batch, add up to what autograd gives for the whole batch's
/// loss with the dropout masks a seeded generator draws in one pass: for every split of the batch, with and without
/// distillation and replay, for a person who gave only some expressions, and for both kinds of head; and the parts
/// leave no tensor behind.
/// </summary>
public sealed class HeadBackpropTests
{
    [Theory]
    [InlineData(32, 1.0, true, true, false)]
    [InlineData(20, 1.0, true, false, false)]
    [InlineData(50, 0.5, true, true, false)]
    [InlineData(32, 0.0, true, true, false)]
    [InlineData(32, 1.0, false, false, false)]
    [InlineData(1, 1.0, true, true, false)]
    [InlineData(32, 1.0, true, false, true)]
    [InlineData(45, 0.5, false, true, true)]
    public void Two_parts_of_a_batch_add_up_to_autograds_gradient_of_the_whole(int firstRows, double distillation, bool replay, bool allExpressions, bool seedArchitecture)
    {
        // The shipped model's head starts with dropout; the seed architecture's with a linear layer, dropout after ReLU.
        using var model = seedArchitecture ? ExpressionModel.Create(ModelArchitecture.Seed, seed: 2) : ExpressionModel.LoadDefault();
        var faces = TestFaces.Make(14, seed: 3);
        IReadOnlyList<Expression> labels = allExpressions ? faces.Labels : [.. faces.Labels.Select(label => label == Expression.Fear ? Expression.Happy : label)];
        var person = model.ExtractFeatures(faces.Pixels, labels, addMirrored: true);
        var others = TestFaces.Make(40, seed: 4);
        var general = !replay ? null : seedArchitecture ? model.ExtractFeatures(others.Pixels, others.Labels) : model.GeneralReplay;
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
            var largest = expected.abs().max().item<float>();
            var difference = expected.sub(a.add(b)).abs().max().item<float>();
            Assert.True(largest > 0, $"{name}: no gradient to compare");
            Assert.True(difference <= 1e-5 * Math.Max(1, largest), $"{name}: the parts' gradient differs from autograd's by {difference} (largest gradient {largest})");
        }
    }

    [Fact]
    public void Thousands_of_parts_leave_no_tensor_behind()
    {
        using var model = ExpressionModel.LoadDefault();
        var faces = TestFaces.Make(14, seed: 5);
        var person = model.ExtractFeatures(faces.Pixels, faces.Labels, addMirrored: true);
        var options = new HeadTrainingOptions();
        using var head = model.Network.NewHead();
        var batches = new HeadTrainingBatches(head, person, model.GeneralReplay, options);
        using var masks = new DropoutMasks(head, options.BatchSize, 1);
        using var part = new HeadBackprop(head, masks, 0, options.BatchSize, batches.Length);
        part.Run(batches, batches.Draw());

        var live = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var step = 0; step < 2000; step++)
        {
            masks.Draw();
            part.Run(batches, batches.Draw());
        }

        Assert.Equal(live, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Heads_it_cannot_differentiate_are_refused_by_name()
    {
        using var withTanh = nn.Sequential(("fc1", nn.Linear(8, 4)), ("tanh", nn.Tanh()), ("fc2", nn.Linear(4, 7)));
        using var withoutLinear = nn.Sequential(("relu", nn.ReLU()));
        using var notSequential = nn.Linear(8, 7);
        using var masks = new DropoutMasks(withTanh, 4, 1);

        Assert.Contains("'tanh'", Assert.Throws<NotSupportedException>(() => new HeadBackprop(withTanh, masks, 0, 4, 8)).Message);
        Assert.Contains("linear layer", Assert.Throws<NotSupportedException>(() => new HeadBackprop(withoutLinear, masks, 0, 4, 8)).Message);
        Assert.Contains("Sequential", Assert.Throws<NotSupportedException>(() => new HeadBackprop(notSequential, masks, 0, 4, 8)).Message);
    }
}
