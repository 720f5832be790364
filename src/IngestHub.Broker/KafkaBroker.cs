using IngestHub.Broker.Groups;
using IngestHub.Broker.Handlers;
using IngestHub.Broker.Logs;
using IngestHub.Broker.Metadata;
using IngestHub.Broker.Network;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker;

/// <summary>
/// The broker: opens and recovers the logs, rebuilds idempotent-producer state, registers one handler per API
/// key, listens for Kafka clients and runs periodic maintenance (retention, flush policy). Stopping closes the
/// listener first, then the logs with a clean-shutdown marker.
/// </summary>
public sealed class KafkaBroker : IAsyncDisposable
{
    private readonly BrokerOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private KafkaListener? _listener;
    private Task? _maintenance;
    private int _stopped;

    public KafkaBroker(BrokerOptions options, ILoggerFactory loggerFactory)
    {
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<KafkaBroker>();
        Topics = new TopicRegistry(options, loggerFactory);
    }

    public TopicRegistry Topics { get; }
    /// <summary>The group coordinator (available after start).</summary>
    public GroupCoordinator Groups { get; private set; } = null!;
    public BrokerIdentity Identity { get; private set; } = new();
    public RequestDispatcher? Dispatcher { get; private set; }
    /// <summary>Request, produce and fetch instruments (OpenTelemetry) and their running totals.</summary>
    public BrokerMetrics Metrics { get; } = new();
    public bool IsReady { get; private set; }
    public string AdvertisedHost => Identity.Host;
    public int AdvertisedPort => Identity.Port;

    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(_options.DataDir);
        var cluster = ClusterIdentity.LoadOrCreate(_options.DataDir, _options.NodeId);
        Identity = new BrokerIdentity { NodeId = _options.NodeId, ClusterId = cluster.ClusterId };
        Topics.Open();
        RebuildProducerState();

        var producerIds = new ProducerIdAllocator(_options.DataDir);
        var handlers = new List<ApiHandler>
        {
            new ProduceHandler(Topics, _options, _loggerFactory.CreateLogger<ProduceHandler>(), Metrics),
            new FetchHandler(Topics, Metrics),
            new ListOffsetsHandler(Topics),
            new MetadataHandler(Topics, Identity),
            new SaslHandshakeHandler(),
            new CreateTopicsHandler(Topics, _options),
            new DeleteTopicsHandler(Topics),
            new InitProducerIdHandler(producerIds),
            new DescribeConfigsHandler(Topics, _options),
            new CreatePartitionsHandler(Topics, _options),
        };
        Groups = new GroupCoordinator(_options, _options.DataDir, _loggerFactory, TimeProvider.System, new RegistryEndOffsets(Topics));
        Groups.Start();
        handlers.AddRange(GroupHandlers.Create(Groups, () => (Identity.NodeId, Identity.Host, Identity.Port)));
        RequestDispatcher? dispatcher = null;
        handlers.Add(new ApiVersionsHandler(() => dispatcher!.Handlers));
        dispatcher = new RequestDispatcher(handlers, _loggerFactory.CreateLogger<RequestDispatcher>(), Metrics);
        Dispatcher = dispatcher;

        _listener = new KafkaListener(dispatcher, _options, _loggerFactory.CreateLogger<KafkaListener>());
        Identity.Host = _options.AdvertisedHost ?? _options.ListenAddress;
        Identity.Port = _options.AdvertisedPort ?? _listener.LocalEndPoint.Port;
        _listener.Start();
        _maintenance = RunMaintenanceAsync(_stopping.Token);
        IsReady = true;
        return Task.CompletedTask;
    }

    private void RebuildProducerState()
    {
        int producers = 0;
        foreach (var topic in Topics.Topics)
        {
            foreach (var partition in topic.Partitions)
            {
                partition.RebuildProducerState(partition.Log.LogStartOffset);
                producers += partition.Producers.Count;
            }
        }
        if (producers > 0)
            _logger.LogInformation("Rebuilt idempotent producer state from the logs: {Count} producer/partition entries", producers);
    }

    private async Task RunMaintenanceAsync(CancellationToken cancellationToken)
    {
        var retentionInterval = TimeSpan.FromMilliseconds(Math.Max(100, _options.LogRetentionCheckIntervalMs));
        var flushTick = TimeSpan.FromMilliseconds(Math.Clamp(_options.LogFlushIntervalMs ?? 1000, 10, 1000));
        var nextRetention = DateTime.UtcNow + retentionInterval;
        using var timer = new PeriodicTimer(flushTick);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                    Topics.FlushIfDue(now);
                    if (DateTime.UtcNow >= nextRetention)
                    {
                        nextRetention = DateTime.UtcNow + retentionInterval;
                        int deleted = Topics.RunMaintenance(now);
                        if (deleted > 0)
                            _logger.LogInformation("Retention deleted {Count} segments", deleted);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    _logger.LogError(ex, "Log maintenance failed; retrying at the next tick");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
            return;
        IsReady = false;
        if (_listener is not null)
            await _listener.DisposeAsync();
        _stopping.Cancel();
        if (_maintenance is not null)
            await _maintenance;
        if (Groups is not null)
            await Groups.StopAsync();
        Topics.Close();
        _logger.LogInformation("Broker stopped cleanly");
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stopping.Dispose();
        Metrics.Dispose();
    }
}
