using IngestHub.Server.Monitoring;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace IngestHub.Server.Topologies;

/// <summary>Registers the stream stage: options (section <c>topologies</c>), its hosted service and its /metrics section.</summary>
public static class TopologiesExtensions
{
    public static IServiceCollection AddIngestHubTopologies(this IServiceCollection services, IConfiguration configuration, string configDirectory)
    {
        var options = new TopologiesOptions();
        configuration.GetSection("topologies").Bind(options);
        options.Directory ??= Path.Combine(configDirectory, "topologies");
        // A security setting of the topologies' Kafka connection that cannot work stops startup here, naming it.
        _ = options.ClientOptions(options.BootstrapServers ?? "127.0.0.1:9092", "ingesthub-topologies");
        services.AddSingleton(options);
        services.AddSingleton<TopologiesHost>();
        // After the broker (and the pipelines): hosted services start in order and stop in reverse, so topologies
        // drain and commit before the broker stops.
        services.AddHostedService(sp => sp.GetRequiredService<TopologiesHost>());
        services.AddSingleton<IMetricsSection, TopologyMetricsSection>();
        return services;
    }
}
