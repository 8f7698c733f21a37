using PersonalFer.Model.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace PersonalFer.Model.Tests;

/// <summary>
/// A training's masks are those a head's dropout layers draw from a generator of the same seed over a whole batch,
/// layer after layer and step after step; a layer that drops nothing draws nothing and keeps everything.
/// </summary>
public sealed class DropoutMasksTests
{
    [Fact]
    public void The_masks_are_what_the_heads_dropout_layers_draw_in_one_pass()
    {
        using var head = nn.Sequential(
            ("none", new SeededDropout(0)),
            ("fc1", nn.Linear(24, 16)),
            ("relu", nn.ReLU()),
            ("drop", new SeededDropout(0.3)),
            ("fc2", nn.Linear(16, 7)),
            ("drop2", new SeededDropout(0.6)),
            ("fc3", nn.Linear(7, 3)));
        using var masks = new DropoutMasks(head, rows: 10, seed: 21);
        using var generator = new Generator(21);
        using var scope = NewDisposeScope();

        for (var step = 0; step < 3; step++)
        {
            masks.Draw();
            // What SeededDropout draws for each layer, in order, as a batch of 10 passes.
            foreach (var (layer, width, probability) in new[] { (1, 16, 0.3), (2, 7, 0.6) })
            {
                using var p = probability.ToScalar();
                var expected = rand([10, width], generator: generator).ge_(p);
                Assert.True(expected.eq(masks.Mask(layer)).all().item<bool>(), $"layer {layer} differs at step {step}");
            }

            Assert.True(masks.Mask(0).eq(ones(10, 24)).all().item<bool>(), "the layer that drops nothing does not keep everything");
        }
    }
}
