using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using PersonalFer.Data;
using PersonalFer.Detection;
using PersonalFer.Model;

namespace PersonalFer;

/// <summary>Registers PersonalFer's services.</summary>
public static class PersonalFerServiceCollectionExtensions
{
    /// <summary>
    /// Registers, as singletons, the face detector (embedded YuNet), the general <see cref="ExpressionModel"/>
    /// (the shipped one unless configured), <see cref="ExpressionPipeline"/> and <see cref="Personalizer"/>. Works
    /// with no configuration. Calling it again changes nothing (TryAdd).
    /// </summary>
    public static IServiceCollection AddPersonalFer(this IServiceCollection services, Action<PersonalFerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new PersonalFerOptions();
        configure?.Invoke(options);
        services.TryAddSingleton<IFaceDetector>(_ => new YuNetFaceDetector(options.Detector));
        services.TryAddSingleton(provider =>
        {
            // First use of TorchSharp in a host: what the native runtime needed (docs/NATIVE.md) goes to its log.
            TorchRuntime.EnsureInitialized(provider.GetService<ILoggerFactory>()?.CreateLogger(typeof(TorchRuntime).FullName!));
            return options.ModelPath is null ? ExpressionModel.LoadDefault() : ExpressionModel.Load(options.ModelPath);
        });
        services.TryAddSingleton(provider => new ExpressionPipeline(
            provider.GetRequiredService<IFaceDetector>(),
            provider.GetRequiredService<ExpressionModel>(),
            options.Pipeline,
            provider.GetService<ILogger<ExpressionPipeline>>()));
        services.TryAddSingleton(provider => new Personalizer(
            provider.GetRequiredService<IFaceDetector>(),
            provider.GetRequiredService<ExpressionModel>(),
            GeneralReplay(options),
            provider.GetService<ILogger<Personalizer>>()));
        return services;
    }

    private static FaceDataset? GeneralReplay(PersonalFerOptions options)
    {
        if (options.GeneralDataPath is null)
        {
            return null;
        }

        return Fer2013.Load(options.GeneralDataPath, new Fer2013LoadOptions { DropBlankImages = true }).Training.EvenlySpaced(options.GeneralReplayFaces);
    }
}
