using System.Diagnostics.CodeAnalysis;
using IngestHub.Autoscaler;
using IngestHub.Broker;
using IngestHub.Client;
using IngestHub.Pipelines.Runtime;
using IngestHub.Server.Pipelines;
using IngestHub.Server.Topologies;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IngestHub.Server.Autoscaling;

/// <summary>
/// Runs the <see cref="AutoscalerService"/> once the connectors have started, over every connector with an
/// <c>autoscale</c> section (and any whose spill is still under way) and every Kafka spout of a running topology with
/// one, against the cluster the connectors consume from.
/// </summary>
public sealed class AutoscalerHost(KafkaBroker broker, PipelinesOptions pipelinesOptions, PipelinesHost pipelines, TopologiesHost topologies, SpillStateStore store,
    IEnumerable<ISpillObserver> observers, TimeProvider time, ILoggerFactory loggerFactory) : BackgroundService
{
    [SuppressMessage("Reliability", "CA2213:Disposable fields should be disposed",
        Justification = "A view for the API; ExecuteAsync owns the service (await using)")]
    private AutoscalerService? _service;

    /// <summary>Null until the connectors have started.</summary>
    public AutoscalerService? Service => _service;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Hosted services start in order, so the registry exists by now unless the pipelines failed to start.
        while (pipelines.Registry is null)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        var registry = pipelines.Registry;
        // The connectors' cluster, reached with their security settings (lag reads, spill topics).
        string bootstrap = pipelinesOptions.BootstrapServers ?? $"{broker.AdvertisedHost}:{broker.AdvertisedPort}";
        await using var service = new AutoscalerService(pipelinesOptions.ClientOptions(bootstrap, "ingesthub-autoscaler"), store, Targets, time, loggerFactory, observers);
        _service = service;
        await service.RunAsync(stoppingToken);

        IEnumerable<IScalable> Targets() =>
            registry.All()
                .Where(c => c.State != ConnectorState.Unassigned) // still starting
                .Where(c => c.Settings.Autoscale is not null || store.Get(ConnectorTarget.TargetKind, c.Settings.Name) is { Phase: not SpillPhase.Normal })
                .Select(c => (IScalable)new ConnectorTarget(c))
                .Concat(Spouts());

        IEnumerable<IScalable> Spouts() =>
            (topologies.Registry?.ScalableSpouts() ?? [])
                .Where(s => s.Policy is not null)
                .Select(s => (IScalable)new SpoutTarget(s));
    }
}
