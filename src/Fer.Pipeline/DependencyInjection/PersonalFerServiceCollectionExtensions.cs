using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PersonalFer.Data;
using PersonalFer.Detection;
using PersonalFer.Model;

namespace PersonalFer;

/// <summary>Registers PersonalFer's services.</summary>
public static class PersonalFerServiceCollectionExtensions
{
    /// <summary>
    /// Registers, as singletons, the face detector (embedded YuNet), the general <see cref="ExpressionModel"/>
    /// (the shipped one unless configured), <see cref="ExpressionPipeline"/> and <see cref="Personalizer"/>, built
    /// from <see cref="IOptions{PersonalFerOptions}"/>: <paramref name="configure"/> and any
    /// <c>services.Configure&lt;PersonalFerOptions&gt;(…)</c> apply in the order they were registered. The options are
    /// validated when the host starts, or else when the first service is resolved. Works with no configuration.
    /// <paramref name="configure"/> also runs once right here, on fresh defaults, to compare its settings with an
    /// earlier call's: it should only set values.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// <c>AddPersonalFer</c> was already called with other settings (calling it again with the same settings, or
    /// with none, changes nothing).
    /// </exception>
    [SuppressMessage("ApiDesign", "RS0027", Justification = "The IConfiguration overload has as many parameters and another type; only a literal null second argument would be ambiguous, and it means no settings either way.")]
    public static IServiceCollection AddPersonalFer(this IServiceCollection services, Action<PersonalFerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = Register(services);
        if (configure is not null)
        {
            var settings = new PersonalFerOptions();
            configure(settings);
            if (PersonalFerRegistrations.In(services).Add("AddPersonalFer(Action<PersonalFerOptions>)", settings, sectionPath: null))
            {
                options.Configure(configure);
            }
        }

        return services;
    }

    /// <summary>
    /// Registers PersonalFer's services as <see cref="AddPersonalFer(IServiceCollection, Action{PersonalFerOptions}?)"/>
    /// does, with the settings bound from <paramref name="configuration"/> (typically
    /// <c>configuration.GetSection("PersonalFer")</c>; keys as <see cref="PersonalFerOptions"/>' properties, e.g.
    /// <c>PersonalFer:Detector:MaxDetectionSide</c>). Validation messages name settings by that section's path.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// <c>AddPersonalFer</c> was already called with other settings, or a value cannot be converted (the message
    /// names its key).
    /// </exception>
    public static IServiceCollection AddPersonalFer(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var options = Register(services);
        if (!configuration.GetChildren().Any())
        {
            // A missing or empty section sets nothing: like a call without settings, it conflicts with none.
            return services;
        }

        var settings = new PersonalFerOptions();
        configuration.Bind(settings);
        // Keys of a configuration root have no prefix; a section's are under its path.
        var path = (configuration as IConfigurationSection)?.Path ?? "";
        if (PersonalFerRegistrations.In(services).Add($"AddPersonalFer(configuration section '{path}')", settings, path))
        {
            options.Bind(configuration);
        }

        return services;
    }

    private static OptionsBuilder<PersonalFerOptions> Register(IServiceCollection services)
    {
        _ = PersonalFerRegistrations.In(services);
        var options = services.AddOptions<PersonalFerOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PersonalFerOptions>, PersonalFerOptionsValidator>());
        services.TryAddSingleton(provider => PersonalFerTelemetry.For(provider.GetService<IMeterFactory>()));
        services.TryAddSingleton(provider => OpenCvThreadsSetting.Apply(Settings(provider).OpenCvThreads, Logger<OpenCvThreadsSetting>(provider)));
        services.TryAddSingleton<IFaceDetector>(provider =>
        {
            provider.GetRequiredService<OpenCvThreadsSetting>();
            return new YuNetFaceDetector(Settings(provider).Detector, Logger<YuNetFaceDetector>(provider));
        });
        services.TryAddSingleton(provider =>
        {
            var modelPath = Settings(provider).ModelPath;
            var logger = Logger<ExpressionModel>(provider);
            // First use of TorchSharp in a host: what the native runtime needed (docs/NATIVE.md) goes to its log.
            TorchRuntime.EnsureInitialized(provider.GetService<ILoggerFactory>()?.CreateLogger(typeof(TorchRuntime).FullName!));
            var model = modelPath is null ? ExpressionModel.LoadDefault(logger) : ExpressionModel.Load(modelPath, expected: null, logger);
            model.Threading = Settings(provider).Threading;
            return model;
        });
        // A detector the host registered itself runs on OpenCV too: the setting applies before any PersonalFer service.
        services.TryAddSingleton(provider => new ExpressionPipeline(
            WithOpenCvThreads(provider).GetRequiredService<IFaceDetector>(),
            provider.GetRequiredService<ExpressionModel>(),
            Settings(provider).Pipeline,
            provider.GetService<ILogger<ExpressionPipeline>>(),
            provider.GetRequiredService<PersonalFerTelemetry>()));
        services.TryAddSingleton(provider =>
        {
            var logger = provider.GetService<ILogger<Personalizer>>();
            return new Personalizer(
                WithOpenCvThreads(provider).GetRequiredService<IFaceDetector>(),
                provider.GetRequiredService<ExpressionModel>(),
                GeneralReplay(Settings(provider), logger),
                logger,
                provider.GetRequiredService<PersonalFerTelemetry>());
        });
        return options;
    }

    private static IServiceProvider WithOpenCvThreads(IServiceProvider provider)
    {
        provider.GetRequiredService<OpenCvThreadsSetting>();
        return provider;
    }

    private static PersonalFerOptions Settings(IServiceProvider provider) => provider.GetRequiredService<IOptions<PersonalFerOptions>>().Value;

    private static ILogger? Logger<T>(IServiceProvider provider) => provider.GetService<ILoggerFactory>()?.CreateLogger<T>();

    private static FaceDataset? GeneralReplay(PersonalFerOptions options, ILogger? logger)
    {
        if (options.GeneralDataPath is null)
        {
            return null;
        }

        var faces = Fer2013.Load(options.GeneralDataPath, new Fer2013LoadOptions { DropBlankImages = true }).Training.EvenlySpaced(options.GeneralReplayFaces);
        if (logger is not null)
        {
            Log.ReplayFromData(logger, faces.Count, options.GeneralDataPath);
        }

        return faces;
    }
}
