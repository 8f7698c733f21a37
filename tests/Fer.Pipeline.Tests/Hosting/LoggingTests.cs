using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using PersonalFer.Data;
using PersonalFer.Detection;
using PersonalFer.Model;
using PersonalFer.Tests;

namespace PersonalFer.Pipeline.Tests;

/// <summary>The log events a host sees, read back from a <c>FakeLogger</c> with their structured values.</summary>
public sealed class LoggingTests(InstrumentedHost host) : IClassFixture<InstrumentedHost>
{
    [Fact]
    public void Building_the_services_logs_the_loaded_model_the_detector_settings_and_the_cache_path()
    {
        _ = host.Pipeline;
        var model = host.Model;

        var loaded = Assert.Single(host.Events(3010));
        Assert.Equal(LogLevel.Information, loaded.Level);
        Assert.Equal(typeof(ExpressionModel).FullName, loaded.Category);
        Assert.Equal("embedded", loaded.GetStructuredStateValue("Source"));
        Assert.Equal(model.Architecture.ToString(), loaded.GetStructuredStateValue("Architecture"));
        Assert.Equal(model.Precision.ToString(), loaded.GetStructuredStateValue("Precision"));
        // bfloat16 inference keeps every convolution in oneDNN; float32 uses NNPACK where the CPU allows.
        Assert.Contains(loaded.GetStructuredStateValue("Convolutions"),
            model.Precision == InferencePrecision.BFloat16 ? ["oneDNN"] : new[] { "oneDNN", "NNPACK Winograd" });
        Assert.Equal(model.ParameterCount.ToString(CultureInfo.InvariantCulture), loaded.GetStructuredStateValue("Parameters"));
        Assert.True(double.Parse(loaded.GetStructuredStateValue("Milliseconds")!, CultureInfo.InvariantCulture) > 0);

        var detector = Assert.Single(host.Events(2001));
        Assert.Equal(InstrumentedHost.DetectionSide.ToString(CultureInfo.InvariantCulture), detector.GetStructuredStateValue("MaxDetectionSide"));
        Assert.Equal(new YuNetOptions().TopK.ToString(CultureInfo.InvariantCulture), detector.GetStructuredStateValue("TopK"));

        var cached = Assert.Single(host.Events(2002)).GetStructuredStateValue("Path")!;
        Assert.True(File.Exists(cached), cached);
        Assert.StartsWith(CacheDirectory.Root, cached, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_container_the_logger_passed_in_gets_the_model_and_detector_events()
    {
        var logger = new FakeLogger();
        var path = Path.Combine(Path.GetTempPath(), $"fer-logged-{Guid.NewGuid():N}.fermodel");
        try
        {
            using (var created = ExpressionModel.Create(ModelArchitecture.Seed, seed: 1))
            {
                created.Save(path);
            }

            using var model = ExpressionModel.Load(path, logger: logger);
            using var detector = new YuNetFaceDetector(new YuNetOptions { ScoreThreshold = 0.9f }, logger);

            var loaded = Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == 3010);
            Assert.Equal(path, loaded.GetStructuredStateValue("Source"));
            Assert.Equal(nameof(ModelArchitecture.Seed), loaded.GetStructuredStateValue("Architecture"));
            Assert.Equal(model.ParameterCount.ToString(CultureInfo.InvariantCulture), loaded.GetStructuredStateValue("Parameters"));
            var settings = Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == 2001);
            Assert.Equal(0.9f.ToString(CultureInfo.InvariantCulture), settings.GetStructuredStateValue("ScoreThreshold"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Classify_logs_the_faces_it_drops()
    {
        using var frame = TestPhotos.TwoFaces();

        Assert.Single(host.Pipeline.Classify(frame));

        var dropped = host.Events(4001)[^1];
        Assert.Equal(LogLevel.Debug, dropped.Level);
        Assert.Equal("2", dropped.GetStructuredStateValue("Found"));
        Assert.Equal("1", dropped.GetStructuredStateValue("Used"));
    }

    [Fact]
    public void FineTune_logs_skipped_samples_and_the_profile_and_loading_logs_it_loaded_or_refused()
    {
        using var blank = InstrumentedHost.Blank();
        var samples = ValidProfile.FaceCrops(14);
        samples.Add(new LabelledImage(TestPhotos.ToImageData(blank), Expression.Happy, "blank.png"));
        var options = new PersonalizationOptions { SkipSamplesWithoutFace = true, Head = new HeadTrainingOptions { Steps = 5 } };

        using var profile = host.Personalizer.FineTune(samples, "someone", options).Profile;

        var skipped = host.Events(4004)[^1];
        Assert.Equal(LogLevel.Warning, skipped.Level);
        Assert.Equal("1", skipped.GetStructuredStateValue("Count"));
        Assert.Equal("blank.png", skipped.GetStructuredStateValue("Sources"));
        var trained = host.Events(4003)[^1];
        Assert.Equal("someone", trained.GetStructuredStateValue("Name"));
        Assert.Equal("14", trained.GetStructuredStateValue("Faces"));

        var path = Path.Combine(Path.GetTempPath(), $"fer-logged-{Guid.NewGuid():N}.ferprofile");
        try
        {
            profile.Save(path);
            var logger = host.Provider.GetRequiredService<ILogger<PersonalProfile>>();
            using (PersonalProfile.Load(path, host.Model, logger))
            {
                var loaded = host.Events(4005)[^1];
                Assert.Equal("someone", loaded.GetStructuredStateValue("Name"));
                Assert.Equal(path, loaded.GetStructuredStateValue("Path"));
                Assert.Equal("14", loaded.GetStructuredStateValue("Faces"));
            }

            using var other = ExpressionModel.Create(ModelArchitecture.Seed, seed: 1);
            var error = Assert.Throws<ProfileFormatException>(() => PersonalProfile.Load(path, other, logger));
            var refused = host.Events(4006)[^1];
            Assert.Equal(LogLevel.Warning, refused.Level);
            Assert.Equal(path, refused.GetStructuredStateValue("Path"));
            Assert.Equal(error.Problem, refused.GetStructuredStateValue("Reason"));
            Assert.Same(error, refused.Exception);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Event_ids_are_unique_and_each_assembly_keeps_to_its_own_thousand()
    {
        var assemblies = new (Assembly Assembly, int First)[]
        {
            (typeof(ImageData).Assembly, 1000),
            (typeof(YuNetFaceDetector).Assembly, 2000),
            (typeof(ExpressionModel).Assembly, 3000),
            (typeof(ExpressionPipeline).Assembly, 4000),
        };
        var all = new List<int>();
        foreach (var (assembly, first) in assemblies)
        {
            var ids = assembly.GetTypes()
                .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
                .Select(m => m.GetCustomAttribute<LoggerMessageAttribute>())
                .OfType<LoggerMessageAttribute>()
                .Select(a => a.EventId)
                .ToList();
            Assert.All(ids, id => Assert.InRange(id, first, first + 999));
            all.AddRange(ids);
        }

        Assert.True(all.Count >= 14, $"{all.Count} events");
        Assert.Equal(all.Count, all.Distinct().Count());
    }
}
