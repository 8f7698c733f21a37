using System.Globalization;
using Microsoft.Extensions.Options;

namespace PersonalFer;

/// <summary>
/// Validates <see cref="PersonalFerOptions"/> when the host starts (or the first service is resolved) with the
/// option types' own checks, and names each bad setting by its configuration key, e.g.
/// <c>PersonalFer:Detector:ScoreThreshold = 1.5 is invalid: ScoreThreshold must be in [0, 1].</c>
/// </summary>
internal sealed class PersonalFerOptionsValidator(PersonalFerRegistrations registrations) : IValidateOptions<PersonalFerOptions>
{
    public ValidateOptionsResult Validate(string? name, PersonalFerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var section = registrations.SectionPath;
        var failures = new List<string>();
        NotBlank(failures, section, nameof(PersonalFerOptions.ModelPath), options.ModelPath);
        NotBlank(failures, section, nameof(PersonalFerOptions.GeneralDataPath), options.GeneralDataPath);
        Check(failures, section, () => ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.GeneralReplayFaces, nameof(PersonalFerOptions.GeneralReplayFaces)));
        Check(failures, section, () => ArgumentOutOfRangeException.ThrowIfNegative(options.OpenCvThreads, nameof(PersonalFerOptions.OpenCvThreads)));
        Nested(failures, section, nameof(PersonalFerOptions.Detector), options.Detector, detector => detector.Validate());
        Nested(failures, section, nameof(PersonalFerOptions.Pipeline), options.Pipeline, pipeline => pipeline.Validate());
        Nested(failures, section, nameof(PersonalFerOptions.Threading), options.Threading, threading => threading.Validate());
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Nested<T>(List<string> failures, string section, string setting, T? value, Action<T> validate)
        where T : class
    {
        if (value is null)
        {
            failures.Add($"{PersonalFerRegistrations.Key(section, setting)} is missing (null): leave it out for the defaults.");
            return;
        }

        Check(failures, PersonalFerRegistrations.Key(section, setting), () => validate(value));
    }

    // An empty path bound from configuration ("ModelPath": "") would otherwise fail later as a bad argument.
    private static void NotBlank(List<string> failures, string section, string setting, string? path)
    {
        if (path is not null && string.IsNullOrWhiteSpace(path))
        {
            failures.Add($"{PersonalFerRegistrations.Key(section, setting)} is empty: give a path, or leave the setting out for the default.");
        }
    }

    // The option types validate themselves and name the bad member in ParamName; only the key is added here.
    private static void Check(List<string> failures, string section, Action validate)
    {
        try
        {
            validate();
        }
        catch (ArgumentException e)
        {
            var key = PersonalFerRegistrations.Key(section, e.ParamName);
            var value = e is ArgumentOutOfRangeException { ActualValue: { } actual } ? $" = {Convert.ToString(actual, CultureInfo.InvariantCulture)} is invalid:" : "";
            failures.Add($"{key}{value} {Reason(e)}");
        }
    }

    // The exception's own text, without the "(Parameter '…')" and "Actual value was …" that .NET appends.
    private static string Reason(ArgumentException e)
    {
        var message = e.Message;
        var parameter = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        var text = parameter >= 0 ? message[..parameter] : message.Split('\n')[0];
        return text.TrimEnd('\r');
    }
}
