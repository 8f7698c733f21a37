using PersonalFer.Data;
using PersonalFer.Tests;
using static TorchSharp.torch;

namespace PersonalFer.Model.Tests;

/// <summary>
/// Each inference call runs libtorch with the threads <see cref="InferenceThreading"/> gives it, on the calling
/// thread only: the host's thread count and other threads are left as they were.
/// </summary>
public sealed class InferenceThreadingTests
{
    [Theory]
    [InlineData(16, 0, 1, 1)]
    [InlineData(16, 0, 16, 1)]
    [InlineData(16, 4, 17, 2)]
    [InlineData(16, 4, 1000, 4)]
    [InlineData(1, 1, 64, 1)]
    [InlineData(1, 8, 3, 3)]
    [InlineData(0, 3, 1, 3)]
    public void A_call_gets_one_thread_per_faces_per_thread_up_to_the_maximum(int facesPerThread, int maxThreads, int faces, int threads)
    {
        Assert.Equal(threads, new InferenceThreading { FacesPerThread = facesPerThread, MaxThreads = maxThreads }.ThreadsFor(faces));
    }

    [Fact]
    public void By_default_a_frame_runs_on_one_thread_and_a_large_batch_on_every_processor()
    {
        Assert.Equal(1, new InferenceThreading().ThreadsFor(16));
        Assert.Equal(Environment.ProcessorCount, new InferenceThreading().ThreadsFor(100_000));
    }

    [Fact]
    public void Settings_out_of_range_are_refused_with_their_name()
    {
        using var model = ExpressionModel.Create(ModelArchitecture.Seed, seed: 1);

        Assert.Equal("FacesPerThread", Assert.Throws<ArgumentOutOfRangeException>(() => model.Threading = new InferenceThreading { FacesPerThread = -1 }).ParamName);
        Assert.Equal("MaxThreads", Assert.Throws<ArgumentOutOfRangeException>(() => model.Threading = new InferenceThreading { MaxThreads = -1 }).ParamName);
        Assert.Throws<ArgumentNullException>(() => model.Threading = null!);
        Assert.Equal(new InferenceThreading(), model.Threading);
    }

    [Fact]
    public void The_count_holds_for_the_calling_thread_only_and_is_put_back()
    {
        Assert.True(IntraOpThreads.Supported, "libtorch's OpenMP runtime was not found in this process");
        var before = get_num_threads();
        var elsewhere = 0;

        using (IntraOpThreads.Use(1))
        {
            Assert.Equal(1, get_num_threads());
            var other = new Thread(() => elsewhere = get_num_threads());
            other.Start();
            other.Join();
        }

        Assert.Equal(before, get_num_threads());
        Assert.Equal(before, elsewhere);
    }

    [Fact]
    public void Classifying_leaves_the_hosts_thread_count_as_it_set_it()
    {
        var faces = TestFaces.Make(40);
        using var model = ExpressionModel.LoadDefault();
        var hosts = get_num_threads();
        try
        {
            set_num_threads(2);
            model.PredictProbabilities(faces.Pixels[..FaceImage.PixelCount], 1);
            model.PredictProbabilities(faces.Pixels, faces.Count);
            model.ExtractFeatures(faces.Pixels, faces.Labels, addMirrored: true);

            Assert.Equal(2, get_num_threads());
        }
        finally
        {
            set_num_threads(hosts);
        }
    }

    [Fact]
    public void One_thread_and_many_give_the_same_probabilities()
    {
        var faces = TestFaces.Make(64);
        using var model = ExpressionModel.LoadDefault();
        model.Precision = InferencePrecision.Float32;
        var many = model.PredictProbabilities(faces.Pixels, faces.Count);

        model.Threading = new InferenceThreading { MaxThreads = 1 };
        var one = model.PredictProbabilities(faces.Pixels, faces.Count);

        Assert.True(many.Zip(one).Max(p => Math.Abs(p.First - p.Second)) < 1e-5);
    }
}
