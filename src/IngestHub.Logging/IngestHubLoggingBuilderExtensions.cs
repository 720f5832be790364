using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Configuration;

namespace IngestHub.Logging;

/// <summary><c>builder.Logging.AddIngestHub(o => …)</c>.</summary>
public static class IngestHubLoggingBuilderExtensions
{
    /// <summary>Adds the IngestHub provider. Options bind from <c>Logging:IngestHub</c> (when the host's logging
    /// configuration is loaded) and then <paramref name="configure"/> applies.</summary>
    public static ILoggingBuilder AddIngestHub(this ILoggingBuilder builder, Action<IngestHubLoggerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddConfiguration();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoggerProvider, IngestHubLoggerProvider>());
        LoggerProviderOptions.RegisterProviderOptions<IngestHubLoggerOptions, IngestHubLoggerProvider>(builder.Services);
        if (configure is not null)
            builder.Services.Configure(configure);
        return builder;
    }
}
