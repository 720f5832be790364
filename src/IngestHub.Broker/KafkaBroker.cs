using IngestHub.Broker.Cluster;
using IngestHub.Broker.Groups;
using IngestHub.Broker.Handlers;
using IngestHub.Broker.Logs;
using IngestHub.Broker.Metadata;
using IngestHub.Broker.Network;
using IngestHub.Broker.Quotas;
using IngestHub.Broker.Security;
using IngestHub.Protocol;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker;

/// <summary>
/// The broker: opens and recovers the logs, rebuilds idempotent-producer state, registers one handler per API
/// key, listens for Kafka clients and runs periodic maintenance (retention, flush policy) and the log cleaner. Stopping closes the
/// listener first, then the logs with a clean-shutdown marker.
/// </summary>
public sealed class KafkaBroker : IAsyncDisposable
{
    private readonly BrokerOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<KafkaListener> _listeners = [];
    private TlsCertificateSource? _tls;
    private Task? _maintenance;
    private Task? _cleaning;
    private int _stopped;

    public KafkaBroker(BrokerOptions options, ILoggerFactory loggerFactory)
    {
        options.Validate();
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<KafkaBroker>();
        Topics = new TopicRegistry(options, loggerFactory);
        ConnectionLimits = new ConnectionLimits(options);
        Quotas = new ClientQuotas(options.Quotas);
        Storage = new StorageHealth(loggerFactory.CreateLogger<StorageHealth>());
    }

    /// <summary>Whether the log directory takes writes (the last storage failure until writes succeed again).</summary>
    public StorageHealth Storage { get; }

    public TopicRegistry Topics { get; }
    /// <summary>The broker's settings.</summary>
    public BrokerOptions Options => _options;
    /// <summary>The cluster this broker replicates with; null (the default) for a single broker that leads every
    /// partition alone. Set before <see cref="StartAsync"/>.</summary>
    public IBrokerCluster? Cluster { get; init; }
    /// <summary>Open connections and the limits on them, over every listener.</summary>
    public ConnectionLimits ConnectionLimits { get; }
    /// <summary>The byte-rate quotas of <see cref="BrokerOptions.Quotas"/> and the budgets spent against them.</summary>
    public ClientQuotas Quotas { get; }
    /// <summary>The background log cleaner (null when log.cleaner.enable is off or before start).</summary>
    public LogCleanerLoop? Cleaner { get; private set; }
    /// <summary>The group coordinator (available after start).</summary>
    public GroupCoordinator Groups { get; private set; } = null!;
    public BrokerIdentity Identity { get; private set; } = new();
    public RequestDispatcher? Dispatcher { get; private set; }
    /// <summary>Request, produce and fetch instruments (OpenTelemetry) and their running totals.</summary>
    public BrokerMetrics Metrics { get; } = new();
    public bool IsReady { get; private set; }
    public string AdvertisedHost => Identity.Host;
    public int AdvertisedPort => Identity.Port;
    /// <summary>The SASL users (<c>&lt;data&gt;/users.json</c>); available after start.</summary>
    public CredentialStore Credentials { get; private set; } = null!;
    /// <summary>The quotas altered over the wire (<c>&lt;data&gt;/quotas.json</c>) laid over <see cref="BrokerOptions.Quotas"/>; available after start.</summary>
    public QuotaStore QuotaStore { get; private set; } = null!;
    /// <summary>The ACL authorizer (allows everything unless <c>AuthorizerEnabled</c>); available after start.</summary>
    public Authorizer Authorizer { get; private set; } = Authorizer.AllowAll;
    /// <summary>Every listener as bound (real ports when 0 was asked for).</summary>
    public IReadOnlyList<ListenerEndpoint> Listeners => [.. _listeners.Select(l => l.Endpoint)];

    /// <summary>The bound port of the listener with this name.</summary>
    public int ListenerPort(string name) =>
        _listeners.Find(l => l.Endpoint.Name == name)?.Endpoint.Port ?? throw new ArgumentException($"no listener named {name}");

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(_options.DataDir);
        var cluster = ClusterIdentity.LoadOrCreate(_options.DataDir, _options.NodeId);
        Identity = new BrokerIdentity { NodeId = _options.NodeId, ClusterId = cluster.ClusterId };
        Topics.ExternalLeaderEpochs = Cluster is not null;
        Topics.Open();
        RebuildProducerState();

        var producerIds = new ProducerIdAllocator(_options.DataDir, Cluster is null ? 0 : (long)_options.NodeId << 40);
        var endpoints = ResolveListeners();
        Credentials = new CredentialStore(_options.DataDir);
        QuotaStore = new QuotaStore(_options.DataDir, _options.Quotas, Quotas);
        var mechanisms = new SaslMechanisms(_options.SaslEnabledMechanisms, Credentials);
        Authorizer = new Authorizer(new AclStore(_options.DataDir), _options.AuthorizerEnabled, Authorizer.ParseSuperUsers(_options.SuperUsers),
            _options.AllowEveryoneIfNoAclFound, _loggerFactory.CreateLogger<Authorizer>());
        if (Authorizer.Enabled)
            _logger.LogInformation("ACL authorizer on: {Count} ACLs, super users [{SuperUsers}], allow.everyone.if.no.acl.found={AllowIfNoAcl}",
                Authorizer.Store!.All.Count, _options.SuperUsers, _options.AllowEveryoneIfNoAclFound);
        if (endpoints.Exists(e => e.UsesTls))
            _tls = new TlsCertificateSource(_options.Ssl, _loggerFactory.CreateLogger<TlsCertificateSource>());
        var handlers = new List<ApiHandler>
        {
            new ProduceHandler(Topics, _options, _loggerFactory.CreateLogger<ProduceHandler>(), Metrics, Quotas, Storage) { Cluster = Cluster },
            new FetchHandler(Topics, Metrics, Quotas) { Cluster = Cluster },
            new ListOffsetsHandler(Topics) { Cluster = Cluster },
            new MetadataHandler(Topics, Identity) { Cluster = Cluster },
            new SaslHandshakeHandler(mechanisms),
            new SaslAuthenticateHandler(_options.ConnectionFailedAuthenticationDelayMs, _loggerFactory.CreateLogger<SaslAuthenticateHandler>()),
            new CreateTopicsHandler(Topics, _options) { Cluster = Cluster },
            new DeleteTopicsHandler(Topics),
            new InitProducerIdHandler(producerIds),
            new DescribeConfigsHandler(Topics, _options),
            new CreatePartitionsHandler(Topics, _options),
            new AlterConfigsHandler(Topics, _options),
            new IncrementalAlterConfigsHandler(Topics, _options),
            new DeleteRecordsHandler(Topics),
            new DescribeLogDirsHandler(Topics, _options),
            new OffsetForLeaderEpochHandler(Topics),
            new DescribeProducersHandler(Topics),
            new DescribeClusterHandler(Identity),
            new DescribeAclsHandler(Authorizer),
            new CreateAclsHandler(Authorizer, _loggerFactory.CreateLogger<CreateAclsHandler>()),
            new DeleteAclsHandler(Authorizer, _loggerFactory.CreateLogger<DeleteAclsHandler>()),
            new DescribeClientQuotasHandler(QuotaStore),
            new AlterClientQuotasHandler(QuotaStore, _loggerFactory.CreateLogger<AlterClientQuotasHandler>()),
            new DescribeUserScramCredentialsHandler(Credentials),
            new AlterUserScramCredentialsHandler(Credentials, _loggerFactory.CreateLogger<AlterUserScramCredentialsHandler>()),
        };
        Groups = Cluster is null
            ? new GroupCoordinator(_options, Topics, _loggerFactory, TimeProvider.System, new RegistryEndOffsets(Topics))
            {
                TopicCatalog = new RegistryTopicCatalog(Topics),
                Storage = Storage,
            }
            : new GroupCoordinator(_options, Topics, _loggerFactory, TimeProvider.System, new RegistryEndOffsets(Topics), Cluster)
            {
                TopicCatalog = new RegistryTopicCatalog(Topics),
                Storage = Storage,
            };
        Groups.Start();
        handlers.AddRange(GroupHandlers.Create(Groups, FindGroupCoordinatorAsync));
        RequestDispatcher? dispatcher = null;
        handlers.Add(new ApiVersionsHandler(() => dispatcher!.Handlers));
        dispatcher = new RequestDispatcher(handlers, _loggerFactory.CreateLogger<RequestDispatcher>(), Metrics, Authorizer);
        Dispatcher = dispatcher;

        var advertised = string.IsNullOrWhiteSpace(_options.AdvertisedListeners)
            ? []
            : ListenerEndpoint.ParseList(_options.AdvertisedListeners, _options.ListenerSecurityProtocolMap, "advertised.listeners");
        var listenerLogger = _loggerFactory.CreateLogger<KafkaListener>();
        try
        {
            foreach (var endpoint in endpoints)
            {
                var listener = new KafkaListener(dispatcher, _options, listenerLogger, endpoint, _tls, ConnectionLimits, Metrics);
                var bound = listener.Endpoint;
                var announced = advertised.Find(a => a.Name == bound.Name);
                string host = announced?.Host ?? (_options.Listeners is null ? _options.AdvertisedHost : null) ?? (bound.Host is "0.0.0.0" or "::" ? "127.0.0.1" : bound.Host);
                int port = announced is { Port: > 0 } ? announced.Port : (_options.Listeners is null ? _options.AdvertisedPort : null) ?? bound.Port;
                listener.Advertised = bound with { Host = host, Port = port };
                _listeners.Add(listener);
            }
        }
        catch
        {
            foreach (var listener in _listeners)
                await listener.DisposeAsync();
            _listeners.Clear();
            throw;
        }
        // The broker's own clients (connectors) use the first PLAINTEXT listener, else the first one.
        var primary = _listeners.Find(l => l.Endpoint.Protocol == SecurityProtocol.Plaintext) ?? _listeners[0];
        Identity.Host = primary.Advertised.Host;
        Identity.Port = primary.Advertised.Port;
        foreach (var listener in _listeners)
        {
            listener.Start();
            _logger.LogInformation("Listening on {Listener} ({Protocol}), advertised as {Host}:{Port}",
                listener.Endpoint, listener.Endpoint.Protocol, listener.Advertised.Host, listener.Advertised.Port);
        }
        _maintenance = RunMaintenanceAsync(_stopping.Token);
        if (_options.LogCleanerEnable)
        {
            Cleaner = new LogCleanerLoop(Topics, _options, _loggerFactory.CreateLogger<LogCleanerLoop>());
            _cleaning = Cleaner.RunAsync(_stopping.Token);
        }
        if (Cluster is not null)
            await Cluster.StartAsync(this, cancellationToken);
        IsReady = true;
    }

    /// <summary>The coordinator of a group: this broker alone, or in cluster mode the leader of the group's
    /// offsets partition.</summary>
    private ValueTask<GroupCoordinatorEndpoint> FindGroupCoordinatorAsync(string groupId, CancellationToken cancellationToken) =>
        Cluster is null
            ? ValueTask.FromResult(new GroupCoordinatorEndpoint(ErrorCode.None, Identity.NodeId, Identity.Host, Identity.Port, Self: true))
            : Cluster.FindGroupCoordinatorAsync(groupId, Groups.OffsetsPartitionCount, cancellationToken);

    private List<ListenerEndpoint> ResolveListeners() => string.IsNullOrWhiteSpace(_options.Listeners)
        ? [new ListenerEndpoint("PLAINTEXT", SecurityProtocol.Plaintext, _options.ListenAddress, _options.Port)]
        : ListenerEndpoint.ParseList(_options.Listeners, _options.ListenerSecurityProtocolMap, "listeners");

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
                    Quotas.Expire(TimeSpan.FromMinutes(10));
                    if (DateTime.UtcNow >= nextRetention)
                    {
                        nextRetention = DateTime.UtcNow + retentionInterval;
                        int deleted = Topics.RunMaintenance(now);
                        if (deleted > 0)
                            _logger.LogInformation("Retention deleted {Count} segments", deleted);
                    }
                    Storage.Succeeded("log flush and retention");
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    Storage.Failed("log flush and retention", ex);
                    _logger.LogDebug(ex, "Log maintenance failed; retrying at the next tick");
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
        if (Cluster is not null)
            await Cluster.StopAsync();
        foreach (var listener in _listeners)
            await listener.DisposeAsync();
        _tls?.Dispose();
        _stopping.Cancel();
        if (_maintenance is not null)
            await _maintenance;
        if (_cleaning is not null)
            await _cleaning;
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
