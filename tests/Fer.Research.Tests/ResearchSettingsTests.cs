namespace PersonalFer.Research.Tests;

public sealed class ResearchSettingsTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("fer-research-settings-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void Out_of_range_settings_are_rejected_and_their_name_is_given()
    {
        void Rejected(ResearchSettings settings, string name, int epochs = 3) =>
            Assert.Equal(name, Assert.Throws<ArgumentOutOfRangeException>(() => settings.Validate(epochs)).ParamName);

        Rejected(new ResearchSettings { DistillationWeight = 1.5 }, nameof(ResearchSettings.DistillationWeight));
        Rejected(new ResearchSettings { DistillationWeight = -0.1 }, nameof(ResearchSettings.DistillationWeight));
        Rejected(new ResearchSettings { DistillationTemperature = 0 }, nameof(ResearchSettings.DistillationTemperature));
        Rejected(new ResearchSettings { MixupAlpha = -0.2 }, nameof(ResearchSettings.MixupAlpha));
        Rejected(new ResearchSettings { MixupAlpha = double.NaN }, nameof(ResearchSettings.MixupAlpha));
        Rejected(new ResearchSettings { MixupAlpha = double.PositiveInfinity }, nameof(ResearchSettings.MixupAlpha));
        Rejected(new ResearchSettings { AverageWeightsFromEpoch = 4 }, nameof(ResearchSettings.AverageWeightsFromEpoch), epochs: 3);
        Rejected(new ResearchSettings { AverageWeightsFromEpoch = -1 }, nameof(ResearchSettings.AverageWeightsFromEpoch));

        // The edges of each range are allowed.
        new ResearchSettings().Validate(epochs: 1);
        new ResearchSettings { DistillationWeight = 0, MixupAlpha = 0, AverageWeightsFromEpoch = 3 }.Validate(epochs: 3);
        new ResearchSettings { DistillationWeight = 1, MixupAlpha = 0.4, DistillationTemperature = 0.5 }.Validate(epochs: 3);
    }

    [Fact]
    public void Saved_settings_load_back_for_resume_and_a_run_without_them_gets_the_defaults()
    {
        var settings = new ResearchSettings
        {
            Teachers = ["default", "/runs/a/model.fermodel"],
            DistillationWeight = 0.5,
            DistillationTemperature = 3,
            TeacherFlipAveraging = true,
            MixupAlpha = 0.2,
            AverageWeightsFromEpoch = 30,
        };

        settings.Save(_directory.FullName);
        var loaded = ResearchSettings.Load(_directory.FullName);

        Assert.Equal(settings.Teachers, loaded.Teachers);
        Assert.Equal(settings with { Teachers = loaded.Teachers }, loaded);
        Assert.False(File.Exists(Path.Combine(_directory.FullName, ResearchSettings.FileName + ".tmp")));
        var defaults = ResearchSettings.Load(Path.Combine(_directory.FullName, "elsewhere"));
        Assert.Equal(new ResearchSettings() with { Teachers = defaults.Teachers }, defaults);
        Assert.Empty(defaults.Teachers);
    }
}
