using OpenCvSharp;
using PersonalFer.Data;
using PersonalFer.Detection;
using PersonalFer.Model;
using PersonalFer.Tests;
using DisposeScopeManager = TorchSharp.DisposeScopeManager;

namespace PersonalFer.Pipeline.Tests;

/// <summary>
/// The pipeline's mechanics on the bundled photo and a two-face scene made from it, with a freshly initialized
/// network: composition, batching and safety, independent of the shipped weights (whose behaviour
/// AddPersonalFerTests and VideoTrackingTests check).
/// </summary>
public sealed class ExpressionPipelineTests : IDisposable
{
    private readonly YuNetFaceDetector _detector = new();
    private readonly ExpressionModel _model = ExpressionModel.Create(ModelArchitecture.VggBn, seed: 2);

    public void Dispose()
    {
        _detector.Dispose();
        _model.Dispose();
    }

    [Fact]
    public void Every_face_is_classified_in_one_batch_exactly_as_the_model_scores_its_crop()
    {
        using var frame = TestPhotos.TwoFaces();
        var pipeline = new ExpressionPipeline(_detector, _model);

        var results = pipeline.Classify(frame);

        var faces = _detector.Detect(frame);
        Assert.Equal(2, results.Count);
        for (var i = 0; i < faces.Count; i++)
        {
            var expected = _model.PredictProbabilities(FacePreprocessor.Extract(frame, faces[i], _model.Framing), 1);
            Assert.Equal(faces[i].Box, results[i].Box);
            Assert.Equal(expected, results[i].Probabilities.ToArray(), (a, b) => Math.Abs(a - b) < 1e-5f);
            Assert.Equal(results[i].Probabilities.Max(), results[i].Confidence);
            Assert.Equal(Array.IndexOf(results[i].Probabilities.ToArray(), results[i].Confidence), (int)results[i].Expression);
            Assert.Equal(1.0, results[i].Probabilities.Sum(), 4);
        }
    }

    [Fact]
    public void Raw_buffers_give_the_same_result_as_mats_and_faceless_frames_give_none()
    {
        using var frame = TestPhotos.Astronaut();
        var pipeline = new ExpressionPipeline(_detector, _model);
        var bytes = new byte[frame.Total() * frame.ElemSize()];
        System.Runtime.InteropServices.Marshal.Copy(frame.Data, bytes, 0, bytes.Length);

        Assert.Equal(pipeline.Classify(frame).Single().Probabilities, pipeline.Classify(new ImageData(bytes, frame.Width, frame.Height, PixelFormat.Bgr24)).Single().Probabilities);
        using var blank = new Mat(240, 320, MatType.CV_8UC3, Scalar.All(128));
        Assert.Empty(pipeline.Classify(blank));
    }

    [Fact]
    public void MaxFaces_keeps_the_largest_faces()
    {
        using var frame = TestPhotos.TwoFaces();
        var all = new ExpressionPipeline(_detector, _model).Classify(frame);
        var one = new ExpressionPipeline(_detector, _model, new ExpressionPipelineOptions { MaxFaces = 1 }).Classify(frame);
        Assert.Equal(2, all.Count);
        Assert.Equal(all[0].Box, Assert.Single(one).Box);
        Assert.True(one[0].Box.X + one[0].Box.Width < frame.Width / 2, "the kept face is not the large one on the left");
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExpressionPipeline(_detector, _model, new ExpressionPipelineOptions { MaxFaces = 0 }));
    }

    [Fact]
    public void Concurrent_calls_agree_and_thousands_of_calls_leave_no_tensors_behind()
    {
        using var frame = TestPhotos.Astronaut();
        using var small = frame.Resize(new Size(256, 256));
        var pipeline = new ExpressionPipeline(_detector, _model);
        var expected = pipeline.Classify(small).Single().Probabilities;

        var results = new IReadOnlyList<FaceExpression>[8];
        Parallel.For(0, results.Length, i => results[i] = pipeline.Classify(small));
        Assert.All(results, r => Assert.Equal(expected, r.Single().Probabilities));

        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 1000; i++)
        {
            pipeline.Classify(small);
        }

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
