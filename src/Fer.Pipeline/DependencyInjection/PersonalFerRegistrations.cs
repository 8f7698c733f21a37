using Microsoft.Extensions.DependencyInjection;
using PersonalFer.Detection;
using PersonalFer.Model;

namespace PersonalFer;

/// <summary>
/// What each <c>AddPersonalFer</c> call asked for, kept in the service collection: a second call with other
/// settings fails at that call (one of them would otherwise be silently lost), an identical one changes nothing,
/// and validation messages name settings by the configuration path they were bound from.
/// </summary>
internal sealed class PersonalFerRegistrations
{
    /// <summary>The configuration section the settings are named under when none was bound.</summary>
    public const string DefaultSection = "PersonalFer";

    private PersonalFerOptions? _settings;
    private string? _firstCall;

    /// <summary>
    /// The path settings are named by in messages: the bound section's ("" for a configuration root), else
    /// <see cref="DefaultSection"/>.
    /// </summary>
    public string SectionPath { get; private set; } = DefaultSection;

    /// <summary>The registrations recorded in <paramref name="services"/>, recorded there first if need be.</summary>
    public static PersonalFerRegistrations In(IServiceCollection services)
    {
        if (services.FirstOrDefault(d => d.ServiceType == typeof(PersonalFerRegistrations))?.ImplementationInstance is PersonalFerRegistrations existing)
        {
            return existing;
        }

        var created = new PersonalFerRegistrations();
        services.AddSingleton(created);
        return created;
    }

    /// <summary>
    /// Records one call's own settings (what it sets on fresh defaults). True when they must be applied: the first
    /// call with settings; false when an earlier call asked for exactly the same.
    /// </summary>
    /// <exception cref="InvalidOperationException">An earlier call asked for other settings; the message lists them.</exception>
    public bool Add(string call, PersonalFerOptions settings, string? sectionPath)
    {
        if (_settings is null)
        {
            _settings = settings;
            _firstCall = call;
            SectionPath = sectionPath ?? DefaultSection;
            return true;
        }

        var differences = Settings(_settings).Zip(Settings(settings))
            .Where(pair => !Equals(pair.First.Value, pair.Second.Value))
            .Select(pair => $"{Key(SectionPath, pair.First.Name)} = {Shown(pair.First.Value)} there, {Shown(pair.Second.Value)} here")
            .ToList();
        if (differences.Count > 0)
        {
            throw new InvalidOperationException(
                $"AddPersonalFer was already called ({_firstCall}) with other settings than this {call}: {string.Join("; ", differences)}. " +
                "Call AddPersonalFer once, and change settings afterwards with services.Configure<PersonalFerOptions>(...).");
        }

        return false;
    }

    /// <summary>The configuration key of <paramref name="setting"/> under <paramref name="section"/>.</summary>
    public static string Key(string section, string? setting) => section.Length == 0 ? setting ?? "" : $"{section}:{setting}";

    private static (string Name, object? Value)[] Settings(PersonalFerOptions options) =>
    [
        (nameof(PersonalFerOptions.ModelPath), options.ModelPath),
        (nameof(PersonalFerOptions.GeneralDataPath), options.GeneralDataPath),
        (nameof(PersonalFerOptions.GeneralReplayFaces), options.GeneralReplayFaces),
        (nameof(PersonalFerOptions.Detector), options.Detector),
        (nameof(PersonalFerOptions.Pipeline), options.Pipeline),
        (nameof(PersonalFerOptions.Threading), options.Threading),
        (nameof(PersonalFerOptions.OpenCvThreads), options.OpenCvThreads),
    ];

    private static string Shown(object? value) => value switch
    {
        null => "(not set)",
        string text => $"'{text}'",
        YuNetOptions or ExpressionPipelineOptions or InferenceThreading => value.ToString()!,
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!,
    };
}
