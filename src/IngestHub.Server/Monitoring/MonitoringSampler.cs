using IngestHub.Broker;
using IngestHub.Client;
using IngestHub.Monitoring;
using IngestHub.Server.Pipelines;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IngestHub.Server.Monitoring;

/// <summary>
/// Every <c>monitoring:SampleIntervalSeconds</c>: the <see cref="LagMonitor"/> samples consumer groups through the
/// Kafka protocol (the cluster the connectors consume from, or <c>monitoring:BootstrapServers</c>), and the
/// embedded broker's topics (records and bytes on disk) and the connectors' counters are recorded for rates. A
/// failed sample is logged and the next tick tries again.
/// </summary>
public sealed class MonitoringSampler(KafkaBroker broker, MonitoringHistory history, IServiceProvider services, TimeProvider time,
    ILoggerFactory loggerFactory, ILogger<MonitoringSampler> logger) : BackgroundService
{
    private LagMonitor? _monitor;
    private int _failures;

    /// <summary>Null until the broker listens and the first sample is taken.</summary>
    public LagMonitor? Monitor => _monitor;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(history.Options.SampleInterval, time);
        try
        {
            do
            {
                try
                {
                    await SampleOnceAsync(stoppingToken);
                    _failures = 0;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Log the first failure of a streak and then every 60th, so a persistent fault does not flood the log.
                    if (_failures++ % 60 == 0)
                        logger.LogWarning(ex, "Monitoring sample failed ({Failures} in a row); retrying next interval", _failures);
                }
            }
            while (await WaitAsync(timer, stoppingToken));
        }
        finally
        {
            if (_monitor is not null)
                await _monitor.DisposeAsync();
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Takes one sample of groups, topics and connectors.</summary>
    public async Task SampleOnceAsync(CancellationToken cancellationToken)
    {
        if (!broker.IsReady)
            return;
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var liveTopics = SampleTopics(now);
        var liveConnectors = SampleConnectors(now);
        history.PruneTopicsAndConnectors(liveTopics, liveConnectors);
        _monitor ??= new LagMonitor(MonitorClientOptions(), history, time, loggerFactory);
        await _monitor.SampleAsync(cancellationToken);
    }

    /// <summary>The watched cluster: <c>monitoring:BootstrapServers</c> (PLAINTEXT), else the connectors' cluster
    /// reached with the connectors' security settings, else the embedded broker.</summary>
    private ClientOptions MonitorClientOptions()
    {
        var pipelines = services.GetService<PipelinesOptions>();
        if (history.Options.BootstrapServers is null && pipelines?.BootstrapServers is not null)
            return pipelines.ClientOptions(pipelines.BootstrapServers, "ingesthub-monitor");
        return new ClientOptions { BootstrapServers = Bootstrap(), ClientId = "ingesthub-monitor" };
    }

    private string Bootstrap() =>
        history.Options.BootstrapServers
        ?? services.GetService<PipelinesOptions>()?.BootstrapServers
        ?? $"{broker.AdvertisedHost}:{broker.AdvertisedPort}";

    private HashSet<string> SampleTopics(long now)
    {
        var live = new HashSet<string>(StringComparer.Ordinal);
        long records = 0, bytes = 0;
        foreach (var topic in broker.Topics.Topics)
        {
            long topicRecords = 0, topicBytes = 0;
            foreach (var partition in topic.Partitions)
            {
                try
                {
                    topicRecords += partition.Log.LogEndOffset;
                    topicBytes += partition.Log.Size;
                }
                catch (ObjectDisposedException)
                {
                    // deleted while sampling
                }
            }
            live.Add(topic.Name);
            history.Topic(topic.Name).Add(new ThroughputSample(now, topicRecords, topicBytes));
            records += topicRecords;
            bytes += topicBytes;
        }
        history.Ingest.Add(new ThroughputSample(now, records, bytes));
        return live;
    }

    private HashSet<string> SampleConnectors(long now)
    {
        var live = new HashSet<string>(StringComparer.Ordinal);
        if (services.GetService<PipelinesHost>()?.Registry is not { } registry)
            return live;
        foreach (var connector in registry.All())
        {
            var counters = connector.Status().Counters;
            string name = connector.Settings.Name;
            live.Add(name);
            history.Connector(name).Add(new ThroughputSample(now, counters.EventsIn, counters.EventsOut));
        }
        return live;
    }
}
