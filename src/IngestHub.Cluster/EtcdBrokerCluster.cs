using System.Collections.Concurrent;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using IngestHub.Broker;
using IngestHub.Broker.Cluster;
using IngestHub.Broker.Logs;
using IngestHub.Broker.Metadata;
using IngestHub.Protocol;
using Microsoft.Extensions.Logging;

namespace IngestHub.Cluster;

/// <summary>
/// Brokers coordinated through etcd. Each broker registers under <c>&lt;prefix&gt;/brokers/ids/&lt;id&gt;</c> bound to its
/// lease; the first to create <c>&lt;prefix&gt;/controller</c> (a create-if-absent transaction, also on its lease) is the
/// controller. Topics and partition state live in <c>&lt;prefix&gt;/brokers/topics/&lt;name&gt;</c> and change only through
/// transactions comparing the key's mod revision: the controller moves leadership away from dead brokers (a new
/// leader from the ISR, the leader epoch bumped; never an out-of-sync replica), and each leader shrinks and expands
/// its ISR. Every broker watches the prefix and reconciles its replicas with what it reads.
/// </summary>
public sealed class EtcdBrokerCluster : IBrokerCluster, IAsyncDisposable
{
    private readonly ClusterOptions _options;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ConcurrentDictionary<(string, int), ReplicaPartition> _replicas = new();
    private readonly SemaphoreSlim _reconcileGate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private EtcdClient _etcd = null!;
#pragma warning disable CA2213 // the broker is owned by the host; this cluster only serves it
    private KafkaBroker _broker = null!;
#pragma warning restore CA2213
    private int _nodeId;
    private long _leaseId;
    private Task? _loop;
    private Task? _keepAlive;
    private volatile IReadOnlyList<ClusterBroker> _brokers = [];
    private volatile HashSet<int> _alive = [];
    private volatile int _controllerId = -1;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private int _failures;
    private int _offsetsTopicRefusals;

    public EtcdBrokerCluster(ClusterOptions options, ILoggerFactory loggerFactory)
    {
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<EtcdBrokerCluster>();
    }

    private string BrokersPrefix => _options.Prefix + "/brokers/ids/";
    private string TopicsPrefix => _options.Prefix + "/brokers/topics/";
    private string ControllerKey => _options.Prefix + "/controller";

    public int ControllerId => _controllerId;
    public IReadOnlyList<ClusterBroker> Brokers => _brokers;

    public async Task StartAsync(KafkaBroker broker, CancellationToken cancellationToken)
    {
        _broker = broker;
        _nodeId = broker.Identity.NodeId;
        _etcd = new EtcdClient(_options.EtcdEndpoints!, configureChannelOptions: o => o.Credentials = ChannelCredentials.Insecure);
        broker.Topics.AutoCreate = AutoCreate;
        await AdoptClusterIdAsync(cancellationToken);
        await RegisterAsync(cancellationToken);
        await _etcd.WatchRangeAsync(_options.Prefix + "/", _ => Wake(), cancellationToken: _stopping.Token);
        await ReconcileAsync(_stopping.Token);
        _loop = RunAsync(_stopping.Token);
        _logger.LogInformation("Joined the cluster at {Endpoints} as broker {Id} (controller: {Controller})", _options.EtcdEndpoints, _nodeId, _controllerId);
    }

    public async Task StopAsync()
    {
        if (_stopping.IsCancellationRequested)
            return;
        _stopping.Cancel();
        if (_loop is not null)
            await _loop;
        foreach (var replica in _replicas.Values)
            await StopFetcherAsync(replica);
        try
        {
            // Revoking the lease removes the registration (and the controller key) at once: no waiting for the TTL.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await _etcd.LeaseRevokeAsync(new LeaseRevokeRequest { ID = _leaseId }, cancellationToken: timeout.Token);
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException)
        {
            _logger.LogWarning("Could not revoke the cluster lease: {Error}", ex.Message);
        }
        if (_keepAlive is not null)
            await _keepAlive.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _etcd?.Dispose();
        _stopping.Dispose();
        _reconcileGate.Dispose();
        _wake.Dispose();
    }

    private void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
                _wake.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    /// <summary>The first broker's cluster id becomes everyone's (<c>&lt;prefix&gt;/cluster_id</c>, create-if-absent).</summary>
    private async Task AdoptClusterIdAsync(CancellationToken cancellationToken)
    {
        string key = _options.Prefix + "/cluster_id";
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = Utf8(key), Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = Utf8(key), Value = Utf8(_broker.Identity.ClusterId) } });
        await _etcd.TransactionAsync(txn, cancellationToken: cancellationToken);
        var stored = await _etcd.GetAsync(key, cancellationToken: cancellationToken);
        if (stored.Kvs.Count == 1)
            _broker.Identity.ClusterId = stored.Kvs[0].Value.ToStringUtf8();
    }

    private async Task RegisterAsync(CancellationToken cancellationToken)
    {
        var lease = await _etcd.LeaseGrantAsync(new LeaseGrantRequest { TTL = _options.SessionTimeoutSeconds }, cancellationToken: cancellationToken);
        _leaseId = lease.ID;
        var registration = new BrokerRegistration
        {
            Id = _nodeId,
            Host = _broker.Identity.Host,
            Port = _broker.Identity.Port,
            Listeners = [.. _broker.Listeners.Select(l => l.ToString())],
        };
        string json = System.Text.Json.JsonSerializer.Serialize(registration);
        await _etcd.PutAsync(new PutRequest { Key = Utf8(BrokersPrefix + _nodeId), Value = Utf8(json), Lease = _leaseId }, cancellationToken: cancellationToken);
        var keepAliveStop = _stopping.Token;
        long leaseId = _leaseId;
        _keepAlive = Task.Run(async () =>
        {
            try
            {
                await _etcd.LeaseKeepAlive(leaseId, keepAliveStop);
            }
            catch (Exception ex) when (!keepAliveStop.IsCancellationRequested)
            {
                _logger.LogWarning("Keeping the cluster lease alive failed: {Error}", ex.Message);
            }
        }, CancellationToken.None);
        _logger.LogInformation("Registered broker {Id} ({Host}:{Port}) with lease {Lease}", _nodeId, registration.Host, registration.Port, _leaseId);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(_options.ReconcileIntervalMs, cancellationToken);
                await ReconcileAsync(cancellationToken);
                if (_failures > 0)
                    _logger.LogInformation("Reached etcd again after {Count} failed attempts", _failures);
                _failures = 0;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is RpcException or IOException or InvalidOperationException or OperationCanceledException or System.Text.Json.JsonException)
            {
                _failures++;
                if (_failures % 10 == 1)
                    _logger.LogWarning("Cluster reconciliation with etcd failed ({Count} times): {Error}", _failures, ex.Message);
            }
        }
    }

    /// <summary>Reads brokers, controller and topics; re-registers when the lease is gone; claims the controller when
    /// none is; as controller moves leadership off dead brokers; applies every partition's state here.</summary>
    private async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        await _reconcileGate.WaitAsync(cancellationToken);
        try
        {
            var brokers = await _etcd.GetRangeAsync(BrokersPrefix, cancellationToken: cancellationToken);
            var list = new List<ClusterBroker>();
            bool registered = false;
            foreach (var kv in brokers.Kvs)
            {
                var registration = System.Text.Json.JsonSerializer.Deserialize<BrokerRegistration>(kv.Value.ToStringUtf8());
                if (registration is null)
                    continue;
                list.Add(new ClusterBroker(registration.Id, registration.Host, registration.Port));
                if (registration.Id == _nodeId && kv.Lease == _leaseId)
                    registered = true;
            }
            if (!registered)
            {
                _logger.LogWarning("Broker {Id} is no longer registered (lease expired); registering again", _nodeId);
                await RegisterAsync(cancellationToken);
                list.RemoveAll(b => b.NodeId == _nodeId);
                list.Add(new ClusterBroker(_nodeId, _broker.Identity.Host, _broker.Identity.Port));
            }
            list.Sort((a, b) => a.NodeId.CompareTo(b.NodeId));
            _brokers = list;
            var alive = list.Select(b => b.NodeId).ToHashSet();
            _alive = alive;

            var controller = await _etcd.GetAsync(ControllerKey, cancellationToken: cancellationToken);
            if (controller.Kvs.Count == 0)
            {
                var claim = new TxnRequest();
                claim.Compare.Add(new Compare { Key = Utf8(ControllerKey), Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 });
                claim.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = Utf8(ControllerKey), Value = Utf8(_nodeId.ToString(System.Globalization.CultureInfo.InvariantCulture)), Lease = _leaseId } });
                var won = await _etcd.TransactionAsync(claim, cancellationToken: cancellationToken);
                if (won.Succeeded)
                    _logger.LogInformation("Broker {Id} is now the controller", _nodeId);
                controller = await _etcd.GetAsync(ControllerKey, cancellationToken: cancellationToken);
            }
            _controllerId = controller.Kvs.Count == 1 && int.TryParse(controller.Kvs[0].Value.ToStringUtf8(), out int id) ? id : -1;

            var topics = await _etcd.GetRangeAsync(TopicsPrefix, cancellationToken: cancellationToken);
            long now = Environment.TickCount64;
            foreach (var kv in topics.Kvs)
            {
                string name = kv.Key.ToStringUtf8()[TopicsPrefix.Length..];
                var record = TopicRecord.Parse(kv.Value.ToStringUtf8());
                if (record is null)
                    continue;
                if (_controllerId == _nodeId && ElectLeaders(record, alive))
                {
                    if (await CompareAndSetAsync(name, record, kv.ModRevision, cancellationToken))
                        _logger.LogInformation("Controller: leadership of {Topic} changed: {State}", name, Describe(record));
                    continue; // the watch brings the new state
                }
                await ApplyTopicAsync(name, record, now);
                var isrChange = record.Clone();
                bool changed = false;
                for (int p = 0; p < record.Partitions.Count; p++)
                {
                    if (_replicas.TryGetValue((name, p), out var replica) && replica.DesiredIsr(now, _options.ReplicaLagTimeMaxMs, alive) is { } isr
                        && record.Partitions[p].Leader == _nodeId && record.Partitions[p].LeaderEpoch == replica.LeaderEpoch)
                    {
                        _logger.LogInformation("{Topic}-{Partition}: ISR {From} -> {To}", name, p, string.Join(',', record.Partitions[p].Isr), string.Join(',', isr));
                        isrChange.Partitions[p].Isr = isr;
                        changed = true;
                    }
                }
                if (changed)
                    await CompareAndSetAsync(name, isrChange, kv.ModRevision, cancellationToken);
            }
        }
        finally
        {
            _reconcileGate.Release();
        }
    }

    private static string Describe(TopicRecord record) =>
        string.Join("; ", record.Partitions.Select((p, i) => $"{i}: leader {p.Leader} epoch {p.LeaderEpoch} isr [{string.Join(',', p.Isr)}]"));

    /// <summary>Controller: a partition whose leader is dead (or absent) gets the first live ISR member as leader with
    /// the next epoch; dead followers leave the ISR. With no live ISR member the partition stays leaderless
    /// (unclean election is off). True when the record changed.</summary>
    private static bool ElectLeaders(TopicRecord record, HashSet<int> alive)
    {
        bool changed = false;
        foreach (var partition in record.Partitions)
        {
            var liveIsr = partition.Isr.Where(alive.Contains).ToList();
            if (partition.Leader < 0 || !alive.Contains(partition.Leader))
            {
                if (liveIsr.Count > 0)
                {
                    partition.Leader = liveIsr[0];
                    partition.LeaderEpoch++;
                    partition.Isr = liveIsr;
                    changed = true;
                }
                else if (partition.Leader >= 0)
                {
                    partition.Leader = -1;
                    changed = true;
                }
            }
            else if (liveIsr.Count != partition.Isr.Count)
            {
                partition.Isr = liveIsr;
                changed = true;
            }
        }
        return changed;
    }

    private async Task<bool> CompareAndSetAsync(string topic, TopicRecord record, long modRevision, CancellationToken cancellationToken)
    {
        string key = TopicsPrefix + topic;
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = Utf8(key), Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = modRevision });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = Utf8(key), Value = Utf8(record.Serialize()) } });
        var result = await _etcd.TransactionAsync(txn, cancellationToken: cancellationToken);
        if (!result.Succeeded)
            _logger.LogDebug("{Topic}: state changed concurrently; retrying at the next reconciliation", topic);
        return result.Succeeded;
    }

    /// <summary>Creates the topic here when missing, then gives each partition the role etcd assigns it.</summary>
    private async Task ApplyTopicAsync(string name, TopicRecord record, long now)
    {
        var topics = _broker.Topics;
        if (!topics.TryGetTopic(name, out var topic))
        {
            var error = topics.CreateTopic(name, record.Partitions.Count, record.Configs, validateOnly: false, record.Id, out string? message);
            if (error is not ErrorCode.None and not ErrorCode.TopicAlreadyExists)
            {
                _logger.LogWarning("Creating topic {Topic} from the cluster state failed: {Error} {Message}", name, error, message);
                return;
            }
            if (!topics.TryGetTopic(name, out topic))
                return;
        }
        for (int p = 0; p < record.Partitions.Count; p++)
        {
            var local = topic.Partition(p);
            if (local is null)
                continue;
            var replica = _replicas.GetOrAdd((name, p), _ => new ReplicaPartition(local, _nodeId));
            if (!replica.Observe(record.Partitions[p], now))
                continue;
            await StopFetcherAsync(replica);
            _logger.LogInformation("{Topic}-{Partition}: {Role} at leader epoch {Epoch} (leader {Leader})", name, p, replica.Role, replica.LeaderEpoch, replica.LeaderId);
            if (name == TopicName.ConsumerOffsets)
                _broker.Groups.OnOffsetsPartitionLeadership(p, replica.Role == ReplicaRole.Leader);
            if (replica.Role == ReplicaRole.Follower)
            {
                var fetcher = new ReplicaFetcher(replica, _nodeId, BrokerOf, _options, _loggerFactory.CreateLogger<ReplicaFetcher>());
                var cts = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                replica.Fetcher = cts;
                int leader = replica.LeaderId, epoch = replica.LeaderEpoch;
                replica.FetcherTask = Task.Run(() => fetcher.RunAsync(leader, epoch, cts.Token), CancellationToken.None);
            }
        }
    }

    private static async Task StopFetcherAsync(ReplicaPartition replica)
    {
        if (replica.Fetcher is not { } cts)
            return;
        await cts.CancelAsync();
        if (replica.FetcherTask is { } task)
            await task.ContinueWith(_ => { }, TaskScheduler.Default);
        cts.Dispose();
        replica.Fetcher = null;
        replica.FetcherTask = null;
    }

    private ClusterBroker? BrokerOf(int id) => _brokers.FirstOrDefault(b => b.NodeId == id);

    private ReplicaPartition? Replica(PartitionState partition) =>
        _replicas.TryGetValue((partition.Topic, partition.Index), out var replica) ? replica : null;

    public PartitionReplicas? Describe(string topic, int partition) =>
        _replicas.TryGetValue((topic, partition), out var replica) ? replica.Published : null;

    public (ErrorCode Error, string? Message) CheckProduce(PartitionState partition, short acks, int minInsyncReplicas)
    {
        var replica = Replica(partition);
        if (replica is null || !replica.IsLeader())
            return (ErrorCode.NotLeaderOrFollower, $"broker {_nodeId} does not lead {partition.Topic}-{partition.Index}");
        int isr = replica.IsrCount;
        if (acks == -1 && isr < minInsyncReplicas)
            return (ErrorCode.NotEnoughReplicas, $"min.insync.replicas is {minInsyncReplicas} but only {isr} replicas are in sync");
        return (ErrorCode.None, null);
    }

    public void OnAppended(PartitionState partition) => Replica(partition)?.OnAppended();

    public Task<ErrorCode> WaitForReplicationAsync(PartitionState partition, long lastOffset, int timeoutMs, CancellationToken cancellationToken) =>
        Replica(partition) is { } replica ? replica.WaitForHighWatermarkAsync(lastOffset, timeoutMs, cancellationToken) : Task.FromResult(ErrorCode.NotLeaderOrFollower);

    public ErrorCode OnFetch(PartitionState partition, int replicaId, long fetchOffset)
    {
        var replica = Replica(partition);
        if (replica is null || !replica.IsLeader())
            return ErrorCode.NotLeaderOrFollower;
        return replicaId >= 0 ? replica.OnFollowerFetch(replicaId, fetchOffset, Environment.TickCount64) : ErrorCode.None;
    }

    public async ValueTask<GroupCoordinatorEndpoint> FindGroupCoordinatorAsync(string groupId, int partitions, CancellationToken cancellationToken)
    {
        var unavailable = new GroupCoordinatorEndpoint(ErrorCode.CoordinatorNotAvailable, -1, "", -1, Self: false);
        if (!_broker.Topics.TryGetTopic(TopicName.ConsumerOffsets, out var topic) || !_replicas.ContainsKey((TopicName.ConsumerOffsets, 0)))
        {
            if (!await EnsureOffsetsTopicAsync(partitions, cancellationToken) || !_broker.Topics.TryGetTopic(TopicName.ConsumerOffsets, out topic))
                return unavailable;
        }
        int partition = Broker.Groups.OffsetsTopic.OffsetsTopicFormat.PartitionFor(groupId, topic.Partitions.Count);
        if (Describe(TopicName.ConsumerOffsets, partition) is not { Leader: >= 0 } state || BrokerOf(state.Leader) is not { } leader)
            return unavailable;
        return new GroupCoordinatorEndpoint(ErrorCode.None, leader.NodeId, leader.Host, leader.Port, Self: leader.NodeId == _nodeId);
    }

    /// <summary>Creates the replicated <c>__consumer_offsets</c> in etcd (create-if-absent) with
    /// offsets.topic.replication.factor replicas per partition; false (logged) while fewer brokers are registered,
    /// as Kafka refuses to create it then, or when etcd cannot be reached.</summary>
    private async Task<bool> EnsureOffsetsTopicAsync(int partitions, CancellationToken cancellationToken)
    {
        var alive = _brokers.Select(b => b.NodeId).ToList();
        int factor = _options.OffsetsTopicReplicationFactor;
        if (factor <= 0 || alive.Count < factor)
        {
            if (Interlocked.Increment(ref _offsetsTopicRefusals) % 20 == 1)
                _logger.LogWarning("Not creating {Topic}: {Alive} brokers are registered but offsets.topic.replication.factor is {Factor}; groups have no coordinator until enough brokers join",
                    TopicName.ConsumerOffsets, alive.Count, factor);
            return false;
        }
        var record = new TopicRecord
        {
            Id = Guid.NewGuid(),
            Configs = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [TopicConfig.CleanupPolicy] = "compact",
                [TopicConfig.SegmentBytes] = _broker.Options.OffsetsTopicSegmentBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
        };
        int start = Random.Shared.Next(alive.Count);
        for (int p = 0; p < partitions; p++)
        {
            var replicas = Enumerable.Range(0, factor).Select(r => alive[(start + p + r) % alive.Count]).ToList();
            record.Partitions.Add(new PartitionRecord { Replicas = replicas, Leader = replicas[0], LeaderEpoch = 0, Isr = [.. replicas] });
        }
        string key = TopicsPrefix + TopicName.ConsumerOffsets;
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = Utf8(key), Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = Utf8(key), Value = Utf8(record.Serialize()) } });
        try
        {
            var result = await _etcd.TransactionAsync(txn, cancellationToken: cancellationToken);
            if (result.Succeeded)
                _logger.LogInformation("Created {Topic} in the cluster with replication factor {Factor}: {State}", TopicName.ConsumerOffsets, factor, Describe(record));
        }
        catch (RpcException ex)
        {
            _logger.LogWarning("Creating {Topic} in etcd failed: {Error}", TopicName.ConsumerOffsets, ex.Status.Detail);
            return false;
        }
        Wake(); // created here or by another broker: the next reconciliation applies it
        return false;
    }

    private ErrorCode AutoCreate(string name)
    {
        var (error, _) = CreateTopicAsync(name, _broker.Options.NumPartitions, -1, new Dictionary<string, string>(), validateOnly: false, _stopping.Token)
            .GetAwaiter().GetResult();
        return error;
    }

    public async Task<(ErrorCode Error, string? Message)> CreateTopicAsync(string name, int partitions, int replicationFactor,
        IReadOnlyDictionary<string, string> configs, bool validateOnly, CancellationToken cancellationToken)
    {
        int factor = replicationFactor == -1 ? _options.DefaultReplicationFactor : replicationFactor;
        var alive = _brokers.Select(b => b.NodeId).ToList();
        if (partitions <= 0)
            return (ErrorCode.InvalidPartitions, "Number of partitions must be larger than 0.");
        if (factor <= 0)
            return (ErrorCode.InvalidReplicationFactor, "Replication factor must be larger than 0, or -1 to use the default value.");
        if (factor > alive.Count)
            return (ErrorCode.InvalidReplicationFactor, $"Replication factor: {factor} larger than available brokers: {alive.Count}.");
        // The local registry validates name, partition count and configs (validate only: nothing is written).
        var check = _broker.Topics.CreateTopic(name, partitions, configs, validateOnly: true, out string? problem);
        if (check != ErrorCode.None)
            return (check, problem);
        if (validateOnly)
            return (ErrorCode.None, null);
        var record = new TopicRecord { Id = Guid.NewGuid(), Configs = new Dictionary<string, string>(configs, StringComparer.Ordinal) };
        int start = Random.Shared.Next(alive.Count);
        for (int p = 0; p < partitions; p++)
        {
            var replicas = Enumerable.Range(0, factor).Select(r => alive[(start + p + r) % alive.Count]).ToList();
            record.Partitions.Add(new PartitionRecord { Replicas = replicas, Leader = replicas[0], LeaderEpoch = 0, Isr = [.. replicas] });
        }
        string key = TopicsPrefix + name;
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = Utf8(key), Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = Utf8(key), Value = Utf8(record.Serialize()) } });
        try
        {
            var result = await _etcd.TransactionAsync(txn, cancellationToken: cancellationToken);
            if (!result.Succeeded)
                return (ErrorCode.TopicAlreadyExists, $"Topic '{name}' already exists.");
        }
        catch (RpcException ex)
        {
            _logger.LogWarning("Creating topic {Topic} in etcd failed: {Error}", name, ex.Status.Detail);
            return (ErrorCode.UnknownServerError, "the cluster's coordination service is unreachable: " + ex.Status.Detail);
        }
        _logger.LogInformation("Created topic {Topic} in the cluster: {State}", name, Describe(record));
        await _reconcileGate.WaitAsync(cancellationToken);
        try
        {
            await ApplyTopicAsync(name, record, Environment.TickCount64);
        }
        finally
        {
            _reconcileGate.Release();
        }
        Wake();
        return (ErrorCode.None, null);
    }

    private static ByteString Utf8(string value) => ByteString.CopyFromUtf8(value);
}
