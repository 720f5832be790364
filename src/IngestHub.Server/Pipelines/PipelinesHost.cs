using System.Text.Json.Nodes;
using IngestHub.Broker;
using IngestHub.Client;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IngestHub.Server.Pipelines;

/// <summary>
/// Starts the connectors once the broker listens (their default bootstrap is the embedded broker's bound port),
/// loading <c>pipelines/*.yaml</c> and the connectors created through the REST API; stops them (drain, commit)
/// before the broker stops.
/// </summary>
public sealed class PipelinesHost(
    KafkaBroker broker,
    PipelinesOptions options,
    IConnectorCompiler compiler,
    PipelineMetrics metrics,
    BrokerOptions brokerOptions,
    IEnumerable<IConnectorModeSource> modeSources,
    ILoggerFactory loggerFactory,
    ILogger<PipelinesHost> logger) : IHostedService
{
    private ConnectorRegistry? _registry;

    /// <summary>Null until the host has started.</summary>
    public ConnectorRegistry? Registry => _registry;

    /// <summary>How the connectors reach Kafka (the embedded broker or <c>pipelines:BootstrapServers</c>); null until started.</summary>
    public ClientOptions? Client { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        string bootstrap = options.BootstrapServers ?? $"{broker.AdvertisedHost}:{broker.AdvertisedPort}";
        var client = options.ClientOptions(bootstrap);
        Client = client;
        var store = new ConnectorStateDirectory(Path.Combine(brokerOptions.DataDir, "connectors"), loggerFactory.CreateLogger<ConnectorStateDirectory>());
        var registry = new ConnectorRegistry(compiler, client, store, metrics, loggerFactory)
        {
            ModeSource = modeSources.FirstOrDefault(),
            GroupFormation = options.BootstrapServers is null ? new BrokerGroupFormation(broker.Groups) : null,
        };
        var definitions = new List<(string, JsonObject)>();
        string directory = options.Directory ?? "pipelines";
        if (Directory.Exists(directory))
        {
            foreach (var file in Directory.EnumerateFiles(directory, "*.yaml").Concat(Directory.EnumerateFiles(directory, "*.yml")).Order(StringComparer.Ordinal))
            {
                try
                {
                    var config = YamlJson.ParseObject(File.ReadAllText(file));
                    string name = config["name"]?.GetValue<string>() ?? Path.GetFileNameWithoutExtension(file);
                    definitions.Add((name, config));
                }
                catch (ConfigException ex)
                {
                    logger.LogError("Pipeline file {File} is invalid and was not loaded: {Error}", file, ex.Message);
                }
            }
        }
        await registry.StartAsync(definitions, cancellationToken);
        _registry = registry;
        logger.LogInformation("Pipelines ready: {Count} connectors (bootstrap {Bootstrap})", registry.Names.Count, bootstrap);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_registry is not null)
            await _registry.DisposeAsync();
    }
}
