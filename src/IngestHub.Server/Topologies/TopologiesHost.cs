using IngestHub.Broker;
using IngestHub.Pipelines.Sinks;
using IngestHub.Streams;
using IngestHub.Streams.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IngestHub.Server.Topologies;

/// <summary>
/// Runs the stream stage: once the broker listens, loads <c>topologies/*.yaml</c>, topology assemblies, the
/// topologies registered in the services and those submitted through the API, and starts them; on shutdown lets
/// them complete their pending tuples and commit before the broker stops.
/// </summary>
public sealed class TopologiesHost(
    KafkaBroker broker,
    TopologiesOptions options,
    BrokerOptions brokerOptions,
    IEnumerable<ISinkFactory> sinks,
    IEnumerable<ITopologyFactory> factories,
    ILoggerFactory loggerFactory,
    ILogger<TopologiesHost> logger) : IHostedService, IAsyncDisposable
{
    private TopologyRegistry? _registry;
    private TopologyInstruments? _instruments;

    /// <summary>Null until the host has started.</summary>
    public TopologyRegistry? Registry => _registry;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        string bootstrap = options.BootstrapServers ?? $"{broker.AdvertisedHost}:{broker.AdvertisedPort}";
        var environment = new TopologyEnvironment
        {
            BootstrapServers = bootstrap,
            Connection = options.ClientOptions(bootstrap, "ingesthub-topologies"),
            SinkFactories = [.. sinks],
            LoggerFactory = loggerFactory,
        };
        var registry = new TopologyRegistry(environment, new TopologyRegistryOptions
        {
            Directory = options.Directory,
            StateDirectory = Path.Combine(brokerOptions.DataDir, "topologies"),
            DrainTimeout = TimeSpan.FromSeconds(options.DrainSeconds),
        }, factories);
        await registry.StartAsync(cancellationToken);
        _registry = registry;
        _instruments = new TopologyInstruments(this);
        logger.LogInformation("Stream stage ready: {Count} topologies ({Running} running, bootstrap {Bootstrap})",
            registry.Entries.Count, registry.Entries.Count(e => e.Running is not null), bootstrap);
    }

    public Task StopAsync(CancellationToken cancellationToken) => DisposeAsync().AsTask();

    /// <summary>Stops the topologies (as <see cref="StopAsync"/>) when the host is disposed without having been stopped.</summary>
    public async ValueTask DisposeAsync()
    {
        _instruments?.Dispose();
        _instruments = null;
        if (_registry is not null)
        {
            await _registry.DisposeAsync();
            _registry = null;
        }
    }
}
