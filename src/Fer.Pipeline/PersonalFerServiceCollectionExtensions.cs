using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PersonalFer.Detection;

namespace PersonalFer;

/// <summary>Registers PersonalFer's services.</summary>
public static class PersonalFerServiceCollectionExtensions
{
    /// <summary>
    /// Adds PersonalFer's face detector (the embedded YuNet) as a singleton. Calling it again changes nothing (registrations use TryAdd).
    /// </summary>
    public static IServiceCollection AddPersonalFer(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<IFaceDetector>(_ => new YuNetFaceDetector());
        return services;
    }
}
