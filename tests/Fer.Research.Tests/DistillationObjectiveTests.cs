using PersonalFer.Data;
using PersonalFer.Model;
using PersonalFer.Model.Tests;
using PersonalFer.Tests;
using static TorchSharp.torch;

namespace PersonalFer.Research.Tests;

public sealed class DistillationObjectiveTests
{
    private const int Seed = 11;

    private static TrainingOptions Quick(int epochs) => new()
    {
        Epochs = epochs,
        BatchSize = 32,
        LearningRate = 0.05,
        Schedule = LearningRateSchedule.Constant,
        LabelSmoothing = 0,
        Augmentation = AugmentationOptions.None,
        Seed = Seed,
    };

    [Fact]
    public void Distillation_teaches_the_teachers_predictions_even_against_the_labels()
    {
        // Every face is labelled Neutral, but the whole loss is the teacher's: the student must learn what the teacher
        // predicts. Validation scores agreement with the teacher, so the epoch kept is the one that agrees most.
        // The teacher first learns the faces' own classes, so what it says differs from face to face: the shipped
        // model calls nearly every one of these faces of one smiling person Happy, which a constant answer matches.
        var faces = TestFaces.Make(128);
        using var teacher = ExpressionModel.Create(ModelArchitecture.Seed, seed: 2);
        new Trainer().Train(teacher, faces, faces, Quick(6) with { Optimizer = OptimizerKind.AdamW, LearningRate = 1e-3, WeightDecay = 0 });
        var taught = PredictedClasses.Of(teacher, faces);
        var allNeutral = new FaceDataset(faces.Pixels.ToArray(), Enumerable.Repeat(Expression.Neutral, faces.Count).ToArray());
        var teacherSays = new FaceDataset(faces.Pixels.ToArray(), taught);
        using var student = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 3);
        var before = Agreement(student, taught, faces);

        new Trainer().Train(student, allNeutral, teacherSays, Quick(10) with
        {
            BatchSize = 16, Optimizer = OptimizerKind.AdamW, LearningRate = 1e-3, WeightDecay = 0,
            Objective = new DistillationObjective(new ResearchSettings { DistillationWeight = 1 }, [teacher], null, Seed),
        });

        var after = Agreement(student, taught, faces);
        // No constant answer, neither Neutral as the labels say nor any other class, agrees with the teacher that often.
        var commonest = taught.CountBy(e => e).MaxBy(c => c.Value);
        var commonestShare = commonest.Value / (double)faces.Count;
        Assert.True(after > commonestShare + 0.2 && after > before + 0.2,
            $"the student agrees with the teacher on {after:P1} of the faces (before training {before:P1}; the teacher says {commonest.Key} for {commonestShare:P1})");
    }

    [Fact]
    public void Flip_averaged_teacher_targets_are_the_mean_over_each_face_and_its_mirror_image()
    {
        var faces = TestFaces.Make(32);
        using var teacher = ExpressionModel.LoadDefault();
        using var scope = NewDisposeScope();
        var unit = FaceTensors.Unit(faces.Pixels, faces.Count);

        var asSeen = EnsemblePrediction.MeanProbabilities([teacher], unit, temperature: 2, flipAveraging: false);
        var mirrored = EnsemblePrediction.MeanProbabilities([teacher], unit.flip(3), temperature: 2, flipAveraging: false);
        var averaged = EnsemblePrediction.MeanProbabilities([teacher], unit, temperature: 2, flipAveraging: true);

        Assert.Equal([faces.Count, Expressions.Count], averaged.shape);
        Assert.True(averaged.allclose(asSeen.add(mirrored).div(2), rtol: 0, atol: 1e-5));
        Assert.True(averaged.sum(1).allclose(ones(faces.Count), rtol: 0, atol: 1e-5));
        // The mirror image changes the teacher's mind noticeably on some faces, so the option is not a no-op.
        Assert.True(averaged.sub(asSeen).abs().max().item<float>() > 0.01);
        // A higher temperature softens: the most confident prediction at T = 2 is less confident than at T = 1.
        var sharp = EnsemblePrediction.MeanProbabilities([teacher], unit);
        Assert.True(asSeen.max().item<float>() < sharp.max().item<float>());
    }

    [Theory]
    [InlineData(0.0, 0.0, 1.0, false)] // plain cross-entropy
    [InlineData(0.0, 1.0, 1.0, false)] // the teacher alone
    [InlineData(0.0, 0.7, 2.0, false)]
    [InlineData(0.0, 0.7, 2.0, true)]
    [InlineData(0.4, 0.0, 1.0, false)] // mixup alone
    [InlineData(0.4, 0.7, 2.0, false)] // the teacher labels the blended faces
    public void A_step_mixes_cross_entropy_and_the_teachers_softened_prediction_as_documented(double mixupAlpha, double weight, double temperature, bool teacherFlip)
    {
        // (1 − w) · CE(labels) + w · T² · CE(teacher at T, student at T), where with mixup the labels' term is the
        // ratio's blend of both faces' labels and the teacher sees the blended face.
        var faces = TestFaces.Make(16);
        using var teacher = ExpressionModel.LoadDefault();
        // A trained student: an untrained one predicts nearly uniformly, and its cross-entropy is then about ln 7
        // whatever the targets.
        using var student = ExpressionModel.LoadDefault();
        student.Network.eval();
        var settings = new ResearchSettings { MixupAlpha = mixupAlpha, DistillationWeight = weight, DistillationTemperature = temperature, TeacherFlipAveraging = teacherFlip };
        var objective = new DistillationObjective(settings, weight > 0 ? [teacher] : [], null, Seed);
        using var scope = NewDisposeScope();
        var unit = FaceTensors.Unit(faces.Pixels, faces.Count);
        var labels = tensor(faces.Labels.Select(e => (long)e).ToArray());
        var classified = new List<Tensor>();
        Tensor Classify(Tensor input)
        {
            classified.Add(input);
            // Normalize works in place: a copy keeps the faces as the objective passed them, for the checks below.
            return student.Network.forward(FaceTensors.Normalize(input.clone(), student.Manifest));
        }

        static Tensor CrossEntropy(Tensor logits, Tensor target) => nn.functional.cross_entropy(logits, target);

        var (logits, loss) = objective.Step(unit, labels, Enumerable.Range(0, faces.Count).ToArray(), epoch: 1, Classify, CrossEntropy);

        // The blend the objective draws is reproducible from the run's seed and the epoch.
        using var generator = new Generator((ulong)Trainer.Mix(Seed, 1, 6));
        var blend = mixupAlpha > 0 ? Mixup.Blend(unit, mixupAlpha, new Random(Trainer.Mix(Seed, 1, 5)), generator) : null;
        var seen = blend?.Faces ?? unit;
        Assert.True(classified.Single().allclose(seen, rtol: 0, atol: 1e-6), "the student was not shown the (blended) faces");
        var expectedLogits = student.Network.forward(FaceTensors.Normalize(seen.clone(), student.Manifest));
        Assert.True(logits.allclose(expectedLogits, rtol: 1e-5, atol: 1e-5));
        var labelled = blend is null
            ? CrossEntropy(expectedLogits, labels).item<float>()
            : (blend.Ratio * CrossEntropy(expectedLogits, labels).item<float>()) + ((1 - blend.Ratio) * CrossEntropy(expectedLogits, labels.index_select(0, blend.Partners)).item<float>());
        var expected = labelled;
        if (weight > 0)
        {
            var teacherSays = EnsemblePrediction.MeanProbabilities([teacher], seen, temperature, teacherFlip);
            var studentSays = nn.functional.log_softmax(expectedLogits.div(temperature), 1);
            var distillation = -teacherSays.mul(studentSays).sum(1).mean().item<float>() * temperature * temperature;
            expected = ((1 - weight) * labelled) + (weight * distillation);
            Assert.NotEqual(labelled, expected, 2);
        }

        Assert.Equal(expected, loss.item<float>(), 4);
    }

    [Fact]
    public void With_paired_faces_the_teacher_predicts_each_rows_paired_face_and_the_student_the_face_trained_on()
    {
        // Training on re-framed faces while the teacher sees the originals: the distillation target of each face in
        // the batch is the teacher's prediction for the paired face of the same row, unaugmented.
        var trained = TestFaces.Make(16);
        var paired = TestFaces.Make(24, seed: 7);
        int[] rows = [5, 0, 23, 11, 2, 17];
        using var teacher = ExpressionModel.LoadDefault();
        using var student = ExpressionModel.LoadDefault();
        student.Network.eval();
        var settings = new ResearchSettings { DistillationWeight = 1, DistillationTemperature = 2 };
        var objective = new DistillationObjective(settings, [teacher], paired, Seed);
        using var scope = NewDisposeScope();
        var unit = FaceTensors.Unit(trained.Pixels[..(rows.Length * FaceImage.PixelCount)], rows.Length);
        var labels = tensor(rows.Select(row => (long)paired.Labels[row]).ToArray());
        Tensor Classify(Tensor input) => student.Network.forward(FaceTensors.Normalize(input.clone(), student.Manifest)); // Normalize works in place

        var (logits, loss) = objective.Step(unit, labels, rows, epoch: 1, Classify, (l, y) => nn.functional.cross_entropy(l, y));

        var pairedPixels = rows.SelectMany(row => paired.Image(row).ToArray()).ToArray();
        var teacherSays = EnsemblePrediction.MeanProbabilities([teacher], FaceTensors.Unit(pairedPixels, rows.Length), 2);
        var onTrainedFaces = EnsemblePrediction.MeanProbabilities([teacher], unit, 2);
        Assert.False(teacherSays.allclose(onTrainedFaces, rtol: 0, atol: 1e-3), "the two sets of faces should look different to the teacher");
        var expected = -teacherSays.mul(nn.functional.log_softmax(logits.div(2), 1)).sum(1).mean().item<float>() * 4;
        Assert.Equal(expected, loss.item<float>(), 4);
    }

    [Fact]
    public void Paired_teacher_faces_need_a_teacher_and_exclude_mixup()
    {
        Assert.Throws<ArgumentException>(() => new ResearchSettings { TeacherData = "faces.csv.gz" }.Validate(1));
        Assert.Throws<ArgumentException>(() => new ResearchSettings { TeacherData = "faces.csv.gz", Teachers = ["default"], MixupAlpha = 0.2 }.Validate(1));
        new ResearchSettings { TeacherData = "faces.csv.gz", Teachers = ["default"] }.Validate(1);
    }

    [Fact]
    public void Mixup_draws_depend_on_the_seed_and_epoch_only_so_a_resumed_run_draws_what_an_uninterrupted_one_does()
    {
        var faces = TestFaces.Make(16);
        var settings = new ResearchSettings { MixupAlpha = 0.4 };
        using var scope = NewDisposeScope();
        var unit = FaceTensors.Unit(faces.Pixels, faces.Count);
        var labels = tensor(faces.Labels.Select(e => (long)e).ToArray());

        Tensor SeenAt(DistillationObjective objective, int epoch)
        {
            Tensor? seen = null;
            objective.Step(unit, labels, Enumerable.Range(0, faces.Count).ToArray(), epoch, input => { seen = input; return input.flatten(1).narrow(1, 0, Expressions.Count); }, (l, y) => l.sum());
            return seen!;
        }

        var uninterrupted = new DistillationObjective(settings, [], null, Seed);
        var epoch1 = SeenAt(uninterrupted, 1);
        var epoch2Step1 = SeenAt(uninterrupted, 2);
        var epoch2Step2 = SeenAt(uninterrupted, 2);
        var resumed = new DistillationObjective(settings, [], null, Seed);
        var resumedStep1 = SeenAt(resumed, 2);
        var resumedStep2 = SeenAt(resumed, 2);
        var otherSeed = SeenAt(new DistillationObjective(settings, [], null, Seed + 1), 2);

        static bool Same(Tensor a, Tensor b) => a.eq(b).all().item<bool>();
        Assert.True(Same(resumedStep1, epoch2Step1));
        Assert.True(Same(resumedStep2, epoch2Step2));
        Assert.False(Same(epoch2Step1, epoch2Step2)); // the draws go on within an epoch
        Assert.False(Same(epoch1, epoch2Step1));
        Assert.False(Same(otherSeed, epoch2Step1));
        Assert.False(Same(epoch2Step1, unit));
    }

    [Theory]
    [InlineData(true, false, false)]
    [InlineData(true, true, false)]
    [InlineData(true, false, true)]
    [InlineData(false, false, true)]
    public void Live_tensors_do_not_grow_with_the_number_of_steps(bool distil, bool teacherFlip, bool mixup)
    {
        var training = TestFaces.Make(64);
        var validation = TestFaces.Make(32, seed: 1);
        using var model = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 1);
        using var teacher = ExpressionModel.Create(ModelArchitecture.Seed, seed: 2);
        var settings = new ResearchSettings { TeacherFlipAveraging = teacherFlip, MixupAlpha = mixup ? 0.4 : 0 };
        var options = Quick(1) with
        {
            BatchSize = 16, Augmentation = new AugmentationOptions(),
            Objective = new DistillationObjective(settings, distil ? [teacher] : [], null, Seed),
        };

        TrainingLeaks.AssertLiveTensorsDoNotGrow(model, training, validation, options);
    }

    private static double Agreement(ExpressionModel model, Expression[] taught, FaceDataset faces) =>
        PredictedClasses.Of(model, faces).Zip(taught).Count(pair => pair.First == pair.Second) / (double)faces.Count;
}
