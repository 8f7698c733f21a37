using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PersonalFer.Detection;
using PersonalFer.Model;

namespace PersonalFer.Pipeline.Tests;

/// <summary>
/// <c>AddPersonalFer</c> and the options pattern: configuration sections, <c>Configure</c> and the action compose;
/// bad values stop the host with the setting named; a conflicting second registration fails at once. Nothing here
/// loads a model: options are settled before any service is built.
/// </summary>
public sealed class OptionsTests
{
    [Fact]
    public void Settings_bind_from_a_configuration_section_nested_records_included()
    {
        var configuration = Configuration(new()
        {
            ["PersonalFer:ModelPath"] = "models/mine.fermodel",
            ["PersonalFer:GeneralReplayFaces"] = "500",
            ["PersonalFer:Detector:MaxDetectionSide"] = "320",
            ["PersonalFer:Detector:ScoreThreshold"] = "0.8",
            ["PersonalFer:Pipeline:MaxFaces"] = "3",
            ["PersonalFer:Threading:FacesPerThread"] = "4",
            ["PersonalFer:OpenCvThreads"] = "1",
        });
        using var provider = new ServiceCollection().AddPersonalFer(configuration.GetSection("PersonalFer")).BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<PersonalFerOptions>>().Value;

        Assert.Equal("models/mine.fermodel", options.ModelPath);
        Assert.Equal(500, options.GeneralReplayFaces);
        Assert.Equal(new YuNetOptions { MaxDetectionSide = 320, ScoreThreshold = 0.8f }, options.Detector);
        Assert.Equal(new ExpressionPipelineOptions { MaxFaces = 3 }, options.Pipeline);
        Assert.Equal(new InferenceThreading { FacesPerThread = 4 }, options.Threading);
        Assert.Equal(1, options.OpenCvThreads);
    }

    [Fact]
    public void Configure_before_and_after_composes_with_a_section_and_with_the_action_in_registration_order()
    {
        var configuration = Configuration(new() { ["PersonalFer:Detector:MaxDetectionSide"] = "320", ["PersonalFer:Pipeline:MaxFaces"] = "3" });
        using var fromSection = new ServiceCollection()
            .Configure<PersonalFerOptions>(o => o.GeneralReplayFaces = 100)
            .AddPersonalFer(configuration.GetSection("PersonalFer"))
            .Configure<PersonalFerOptions>(o => o.Pipeline = o.Pipeline with { MaxFaces = 1 })
            .BuildServiceProvider();
        using var fromAction = new ServiceCollection()
            .AddPersonalFer(o => o.Detector = new YuNetOptions { MaxDetectionSide = 320 })
            .Configure<PersonalFerOptions>(o => o.Detector = o.Detector with { TopK = 50 })
            .BuildServiceProvider();

        var first = fromSection.GetRequiredService<IOptions<PersonalFerOptions>>().Value;
        var second = fromAction.GetRequiredService<IOptions<PersonalFerOptions>>().Value;

        Assert.Equal((100, 320, 1), (first.GeneralReplayFaces, first.Detector.MaxDetectionSide, first.Pipeline.MaxFaces));
        Assert.Equal(new YuNetOptions { MaxDetectionSide = 320, TopK = 50 }, second.Detector);
    }

    [Fact]
    public async Task A_host_with_bad_values_does_not_start_and_names_each_setting_by_its_key()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Vision:PersonalFer:Detector:ScoreThreshold"] = "1.5",
            ["Vision:PersonalFer:Pipeline:MaxFaces"] = "0",
            ["Vision:PersonalFer:Threading:MaxThreads"] = "-1",
            ["Vision:PersonalFer:OpenCvThreads"] = "-1",
        });
        builder.Services.AddPersonalFer(builder.Configuration.GetSection("Vision:PersonalFer"));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Vision:PersonalFer:Detector:ScoreThreshold = 1.5 is invalid: ScoreThreshold must be in [0, 1].", error.Failures);
        Assert.Contains(error.Failures, f => f.StartsWith("Vision:PersonalFer:Pipeline:MaxFaces = 0 is invalid:", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Vision:PersonalFer:Threading:MaxThreads = -1 is invalid:", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Vision:PersonalFer:OpenCvThreads = -1 is invalid:", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_a_host_the_first_service_resolved_fails_with_the_setting_named()
    {
        using var provider = new ServiceCollection()
            .AddPersonalFer(o => o.GeneralReplayFaces = 0)
            .Configure<PersonalFerOptions>(o => o.Detector = o.Detector with { NmsThreshold = float.NaN })
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<ExpressionPipeline>());

        Assert.Contains(error.Failures, f => f.StartsWith("PersonalFer:GeneralReplayFaces = 0 is invalid:", StringComparison.Ordinal));
        Assert.Contains("PersonalFer:Detector:NmsThreshold = NaN is invalid: NmsThreshold must be in [0, 1].", error.Failures);
    }

    [Fact]
    public void Settings_bound_from_a_configuration_root_are_named_without_a_prefix()
    {
        using var provider = new ServiceCollection().AddPersonalFer(Configuration(new() { ["Detector:TopK"] = "0" })).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PersonalFerOptions>>().Value);

        Assert.StartsWith("Detector:TopK = 0 is invalid:", Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_path_or_a_missing_nested_section_object_is_named()
    {
        using var provider = new ServiceCollection()
            .AddPersonalFer(o => { o.ModelPath = " "; o.Pipeline = null!; })
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PersonalFerOptions>>().Value);

        Assert.Contains(error.Failures, f => f.StartsWith("PersonalFer:ModelPath is empty", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("PersonalFer:Pipeline is missing", StringComparison.Ordinal));
    }

    [Fact]
    public void A_second_registration_with_other_settings_fails_at_that_call_and_names_the_differences()
    {
        var services = new ServiceCollection().AddPersonalFer(o => o.ModelPath = "a.fermodel");

        var error = Assert.Throws<InvalidOperationException>(() => services.AddPersonalFer(o => { o.ModelPath = "b.fermodel"; o.Pipeline = new ExpressionPipelineOptions { MaxFaces = 2 }; }));

        Assert.Contains("PersonalFer:ModelPath = 'a.fermodel' there, 'b.fermodel' here", error.Message, StringComparison.Ordinal);
        Assert.Contains("PersonalFer:Pipeline = ExpressionPipelineOptions { MaxFaces = 32 } there, ExpressionPipelineOptions { MaxFaces = 2 } here", error.Message, StringComparison.Ordinal);
        Assert.Contains("services.Configure<PersonalFerOptions>", error.Message, StringComparison.Ordinal);

        var section = Configuration(new() { ["PersonalFer:Detector:MaxDetectionSide"] = "320" }).GetSection("PersonalFer");
        var fromSection = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddPersonalFer(section).AddPersonalFer(o => o.Detector = new YuNetOptions()));
        Assert.Contains("PersonalFer:Detector = YuNetOptions { MaxDetectionSide = 320,", fromSection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registering_again_with_the_same_settings_or_with_none_changes_nothing()
    {
        var section = Configuration(new() { ["PersonalFer:Detector:MaxDetectionSide"] = "320" }).GetSection("PersonalFer");
        var services = new ServiceCollection()
            .AddPersonalFer()
            .AddPersonalFer(o => o.Detector = new YuNetOptions { MaxDetectionSide = 320 })
            .Configure<PersonalFerOptions>(o => o.Detector = o.Detector with { TopK = 50 })
            .AddPersonalFer(o => o.Detector = new YuNetOptions { MaxDetectionSide = 320 })
            .AddPersonalFer(section)
            .AddPersonalFer();
        using var provider = services.BuildServiceProvider();

        // Repeats are not applied again, so they cannot undo the Configure between them.
        Assert.Equal(2, services.Count(d => d.ServiceType == typeof(IConfigureOptions<PersonalFerOptions>)));
        Assert.Equal(new YuNetOptions { MaxDetectionSide = 320, TopK = 50 }, provider.GetRequiredService<IOptions<PersonalFerOptions>>().Value.Detector);
    }

    [Fact]
    public void A_missing_section_sets_nothing_and_conflicts_with_no_earlier_settings()
    {
        var missing = Configuration(new() { ["Other:Key"] = "1" }).GetSection("PersonalFer");
        var services = new ServiceCollection()
            .AddPersonalFer(o => o.ModelPath = "a.fermodel")
            .AddPersonalFer(missing);
        using var provider = services.BuildServiceProvider();

        Assert.Equal("a.fermodel", provider.GetRequiredService<IOptions<PersonalFerOptions>>().Value.ModelPath);
    }

    [Fact]
    public void A_value_that_cannot_be_converted_is_named_by_its_key()
    {
        var section = Configuration(new() { ["PersonalFer:Detector:ScoreThreshold"] = "high" }).GetSection("PersonalFer");

        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddPersonalFer(section));

        Assert.Contains("PersonalFer:Detector:ScoreThreshold", error.Message, StringComparison.Ordinal);
    }

    private static IConfigurationRoot Configuration(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
