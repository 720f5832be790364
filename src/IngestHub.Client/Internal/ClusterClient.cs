using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IngestHub.Client.Internal;

/// <summary>
/// The client's view of the cluster: bootstrap servers, cached Metadata, one <see cref="BrokerEndpoint"/> per
/// broker node, group coordinators. Requests are routed by node id; errors that mean stale leadership
/// (NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, a lost connection) mark the metadata stale so the next
/// lookup refreshes it.
/// </summary>
internal sealed class ClusterClient : IAsyncDisposable
{
    private readonly ClientOptions _options;
    private readonly ILogger _logger;
    private readonly List<BrokerEndpoint> _bootstrap = [];
    private readonly ConcurrentDictionary<int, BrokerEndpoint> _nodes = new();
    // Group traffic (join, sync, heartbeat, commit) gets its own connection to the coordinator: a broker answers a
    // connection's requests in order, so sharing the fetch connection would queue a commit behind a long poll.
    private readonly ConcurrentDictionary<int, BrokerEndpoint> _coordinatorEndpoints = new();
    private readonly ConcurrentDictionary<string, int> _coordinators = new();
    private readonly ConcurrentDictionary<string, byte> _interestingTopics = new();
    [SuppressMessage("Reliability", "CA2213:Disposable fields should be disposed",
        Justification = "The background refresh is not awaited by DisposeAsync and may still be queued on the gate. Disposing would strand it and frees nothing (no wait handle is used).")]
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private volatile ClusterMetadata _metadata = ClusterMetadata.Empty;
    private long _metadataUpdatedMs;
    private volatile bool _stale = true;

    public ClusterClient(ClientOptions options, ILogger? logger = null)
    {
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        foreach (var (host, port) in options.ParseBootstrapServers())
            _bootstrap.Add(new BrokerEndpoint(host, port, options));
    }

    public ClientOptions Options => _options;
    public ClusterMetadata Metadata => _metadata;

    public void MarkMetadataStale() => _stale = true;

    /// <summary>True once an error said the metadata may be out of date (a leader moved), until the next refresh.</summary>
    public bool MetadataStale => _stale;

    /// <summary>Adds topics to those every metadata refresh asks for.</summary>
    public void Track(IEnumerable<string> topics)
    {
        foreach (string topic in topics)
        {
            if (_interestingTopics.TryAdd(topic, 0))
                _stale = true;
        }
    }

    /// <summary>Metadata for one topic, refreshed when unknown, stale, or without leaders; waits (retrying) up to
    /// <paramref name="timeoutMs"/> for the topic to exist with leaders when <paramref name="waitForLeaders"/>.</summary>
    private int _backgroundRefresh;

    private void RefreshInBackground()
    {
        if (Interlocked.Exchange(ref _backgroundRefresh, 1) == 1)
            return;
        _ = Task.Run(async () =>
        {
            try
            {
                await RefreshMetadataAsync(null, false, CancellationToken.None);
            }
            catch (KafkaException ex)
            {
                _logger.LogDebug("Background metadata refresh failed: {Error}", ex.Message);
            }
            catch (ObjectDisposedException)
            {
            }
            finally
            {
                Volatile.Write(ref _backgroundRefresh, 0);
            }
        });
    }

    public async ValueTask<TopicMetadata> GetTopicAsync(string topic, bool allowAutoCreate, int timeoutMs, CancellationToken cancellationToken)
    {
        if (_metadata.Topics.TryGetValue(topic, out var cached) && cached.Error == ErrorCode.None && cached.Partitions.Count > 0)
        {
            // A known topic never waits for metadata: stale or old metadata is refreshed in the background (as the
            // Java producer does), so a leader change or an unreachable broker does not block produce calls.
            if (_stale || Environment.TickCount64 - Interlocked.Read(ref _metadataUpdatedMs) >= _options.MetadataMaxAgeMs)
                RefreshInBackground();
            return cached;
        }
        _interestingTopics.TryAdd(topic, 0);
        long deadline = Environment.TickCount64 + timeoutMs;
        KafkaException? last = null;
        while (true)
        {
            try
            {
                var metadata = await RefreshMetadataAsync(null, allowAutoCreate, cancellationToken);
                if (metadata.Topics.TryGetValue(topic, out var found))
                {
                    if (found.Error == ErrorCode.None && found.Partitions.Count > 0)
                        return found;
                    last = new KafkaException(found.Error == ErrorCode.None ? ErrorCode.LeaderNotAvailable : found.Error, $"topic {topic}: {found.Error}");
                    if (!last.IsRetriable)
                        throw last;
                }
                else
                {
                    last = new KafkaException(ErrorCode.UnknownTopicOrPartition, $"topic {topic} not in metadata");
                }
            }
            catch (KafkaException ex) when (ex.IsRetriable)
            {
                last = ex;
            }
            if (Environment.TickCount64 + _options.RetryBackoffMs > deadline)
                throw new KafkaException(ErrorCode.RequestTimedOut, $"metadata for topic {topic} not available after {timeoutMs} ms: {last?.Message}", last);
            await Task.Delay(_options.RetryBackoffMs, cancellationToken);
        }
    }

    /// <summary>Sends Metadata for <paramref name="topics"/> (null: the topics this client uses) and merges the result.</summary>
    public async Task<ClusterMetadata> RefreshMetadataAsync(IReadOnlyCollection<string>? topics, bool allowAutoCreate, CancellationToken cancellationToken)
    {
        long started = Environment.TickCount64;
        await _refreshGate.WaitAsync(cancellationToken);
        try
        {
            // Another caller refreshed while we waited: reuse its answer when it covers what we need.
            if (topics is null && !_stale && Interlocked.Read(ref _metadataUpdatedMs) >= started)
                return _metadata;
            var request = new MetadataRequest
            {
                Topics = topics is null ? MetadataTopics(_interestingTopics.Keys) : MetadataTopics(topics),
                AllowAutoTopicCreation = allowAutoCreate,
            };
            var response = await SendToAnyAsync<MetadataRequest, MetadataResponse>(request, cancellationToken);
            Apply(response);
            return _metadata;
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    /// <summary>Metadata of every topic in the cluster (not merged into the cache's topic interest).</summary>
    /// <summary>The topics of a Metadata request, named (the client does not look topics up by id).</summary>
    internal static List<MetadataRequest.Topic> MetadataTopics(IEnumerable<string> names)
    {
        var topics = new List<MetadataRequest.Topic>();
        foreach (string name in names)
            topics.Add(new MetadataRequest.Topic { Name = name });
        return topics;
    }

    public async Task<ClusterMetadata> DescribeClusterAsync(CancellationToken cancellationToken)
    {
        var response = await SendToAnyAsync<MetadataRequest, MetadataResponse>(
            new MetadataRequest { Topics = null, AllowAutoTopicCreation = false }, cancellationToken);
        return Apply(response);
    }

    private ClusterMetadata Apply(MetadataResponse response)
    {
        var brokers = new Dictionary<int, BrokerNode>();
        foreach (var broker in response.Brokers)
        {
            brokers[broker.NodeId] = new BrokerNode(broker.NodeId, broker.Host, broker.Port, broker.Rack);
            var endpoint = _nodes.GetOrAdd(broker.NodeId, _ => new BrokerEndpoint(broker.Host, broker.Port, _options));
            if (endpoint.Host != broker.Host || endpoint.Port != broker.Port)
            {
                var replaced = new BrokerEndpoint(broker.Host, broker.Port, _options);
                _nodes[broker.NodeId] = replaced;
                _ = endpoint.DisposeAsync().AsTask().ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
            }
        }
        var topics = new Dictionary<string, TopicMetadata>(_metadata.Topics);
        var described = new Dictionary<string, TopicMetadata>();
        foreach (var topic in response.Topics)
        {
            var partitions = new PartitionMetadata[topic.Partitions.Count];
            bool dense = true;
            foreach (var p in topic.Partitions)
            {
                if (p.PartitionIndex < 0 || p.PartitionIndex >= partitions.Length)
                {
                    dense = false;
                    continue;
                }
                partitions[p.PartitionIndex] = new PartitionMetadata(p.PartitionIndex, p.LeaderId, p.ReplicaNodes, p.IsrNodes, p.ErrorCode);
            }
            var error = dense ? topic.ErrorCode : ErrorCode.LeaderNotAvailable;
            string name = topic.Name ?? "";
            var metadata = new TopicMetadata(name, error, topic.IsInternal, dense ? partitions : []);
            described[name] = metadata;
            if (topic.ErrorCode == ErrorCode.UnknownTopicOrPartition)
                topics.Remove(name);
            else
                topics[name] = metadata;
        }
        _metadata = new ClusterMetadata(brokers, topics, response.ControllerId, response.ClusterId);
        Interlocked.Exchange(ref _metadataUpdatedMs, Environment.TickCount64);
        _stale = false;
        return new ClusterMetadata(brokers, described, response.ControllerId, response.ClusterId);
    }

    public async ValueTask<KafkaConnection> GetConnectionAsync(int nodeId, CancellationToken cancellationToken)
    {
        if (!_nodes.TryGetValue(nodeId, out var endpoint))
        {
            await RefreshMetadataAsync(null, false, cancellationToken);
            if (!_nodes.TryGetValue(nodeId, out endpoint))
                throw new KafkaException(ErrorCode.LeaderNotAvailable, $"broker {nodeId} is not in the cluster metadata");
        }
        try
        {
            return await endpoint.GetAsync(cancellationToken);
        }
        catch (KafkaException)
        {
            _stale = true;
            throw;
        }
    }

    /// <summary>A connection to any reachable broker: known nodes first, then the bootstrap list.</summary>
    public async ValueTask<KafkaConnection> GetAnyConnectionAsync(CancellationToken cancellationToken)
    {
        foreach (var endpoint in _nodes.Values)
        {
            if (endpoint.HasLiveConnection)
                return await endpoint.GetAsync(cancellationToken);
        }
        KafkaException? last = null;
        foreach (var endpoint in _nodes.Values.Concat(_bootstrap))
        {
            try
            {
                return await endpoint.GetAsync(cancellationToken);
            }
            catch (KafkaException ex)
            {
                last = ex;
            }
        }
        // A refused login (wrong password, unknown mechanism) is not a network problem: retrying it until a timeout
        // only hides it, so it is thrown as it is, as Kafka's clients fail on an authentication error.
        if (last is { IsRetriable: false })
            throw new KafkaException(last.ErrorCode, $"no broker accepted the connection ({_options.BootstrapServers}): {last.Message}", last);
        throw new KafkaException(ErrorCode.NetworkException, $"no broker reachable ({_options.BootstrapServers}): {last?.Message}", last);
    }

    /// <summary>A request to one broker whose response is read into a pooled buffer (see <see cref="KafkaConnection.SendPooledAsync{TRequest, TResponse}"/>).</summary>
    public async Task<PooledResponse<TResponse>> SendPooledAsync<TRequest, TResponse>(int nodeId, TRequest request, CancellationToken cancellationToken, int extraTimeoutMs = 0)
        where TRequest : IKafkaMessage<TRequest> where TResponse : IKafkaMessage<TResponse>
    {
        var connection = await GetConnectionAsync(nodeId, cancellationToken);
        try
        {
            return await connection.SendPooledAsync<TRequest, TResponse>(request, cancellationToken, extraTimeoutMs);
        }
        catch (KafkaException ex) when (ex.ErrorCode is ErrorCode.NetworkException or ErrorCode.RequestTimedOut)
        {
            _stale = true;
            throw;
        }
    }

    public async Task<TResponse> SendAsync<TRequest, TResponse>(int nodeId, TRequest request, CancellationToken cancellationToken, int extraTimeoutMs = 0)
        where TRequest : IKafkaMessage<TRequest> where TResponse : IKafkaMessage<TResponse>
    {
        var connection = await GetConnectionAsync(nodeId, cancellationToken);
        try
        {
            return await connection.SendAsync<TRequest, TResponse>(request, cancellationToken, extraTimeoutMs);
        }
        catch (KafkaException ex) when (ex.ErrorCode is ErrorCode.NetworkException or ErrorCode.RequestTimedOut)
        {
            _stale = true;
            throw;
        }
    }

    /// <summary>Sends group traffic to a coordinator found by <see cref="FindCoordinatorAsync"/> over the dedicated
    /// coordinator connection.</summary>
    public async Task<TResponse> SendToCoordinatorAsync<TRequest, TResponse>(int coordinator, TRequest request, CancellationToken cancellationToken, int extraTimeoutMs = 0)
        where TRequest : IKafkaMessage<TRequest> where TResponse : IKafkaMessage<TResponse>
    {
        if (!_coordinatorEndpoints.TryGetValue(coordinator, out var endpoint))
            throw new KafkaException(ErrorCode.CoordinatorNotAvailable, $"no connection to coordinator {coordinator}");
        var connection = await endpoint.GetAsync(cancellationToken);
        return await connection.SendAsync<TRequest, TResponse>(request, cancellationToken, extraTimeoutMs);
    }

    public async Task<TResponse> SendToAnyAsync<TRequest, TResponse>(TRequest request, CancellationToken cancellationToken)
        where TRequest : IKafkaMessage<TRequest> where TResponse : IKafkaMessage<TResponse>
    {
        var connection = await GetAnyConnectionAsync(cancellationToken);
        return await connection.SendAsync<TRequest, TResponse>(request, cancellationToken);
    }

    /// <summary>Sends to the controller (admin requests), falling back to any broker when none is known.</summary>
    public async Task<TResponse> SendToControllerAsync<TRequest, TResponse>(TRequest request, CancellationToken cancellationToken)
        where TRequest : IKafkaMessage<TRequest> where TResponse : IKafkaMessage<TResponse>
    {
        if (_metadata.ControllerId < 0)
            await RefreshMetadataAsync(null, false, cancellationToken);
        int controller = _metadata.ControllerId;
        return controller >= 0 && _nodes.ContainsKey(controller)
            ? await SendAsync<TRequest, TResponse>(controller, request, cancellationToken)
            : await SendToAnyAsync<TRequest, TResponse>(request, cancellationToken);
    }

    /// <summary>The coordinator node of a group (FindCoordinator, cached until invalidated), retrying while the
    /// coordinator is loading or unavailable.</summary>
    public async Task<int> FindCoordinatorAsync(string groupId, CancellationToken cancellationToken)
    {
        if (_coordinators.TryGetValue(groupId, out int cached))
            return cached;
        long deadline = Environment.TickCount64 + _options.RequestTimeoutMs;
        while (true)
        {
            FindCoordinatorResponse response;
            try
            {
                response = await SendToAnyAsync<FindCoordinatorRequest, FindCoordinatorResponse>(
                    new FindCoordinatorRequest { Key = groupId, KeyType = 0 }, cancellationToken);
            }
            catch (KafkaException ex) when (ex.IsRetriable && Environment.TickCount64 < deadline)
            {
                await Task.Delay(_options.RetryBackoffMs, cancellationToken);
                continue;
            }
            if (response.ErrorCode == ErrorCode.None)
            {
                var existing = _coordinatorEndpoints.GetOrAdd(response.NodeId, _ => new BrokerEndpoint(response.Host, response.Port, _options));
                if (existing.Host != response.Host || existing.Port != response.Port)
                {
                    _coordinatorEndpoints[response.NodeId] = new BrokerEndpoint(response.Host, response.Port, _options);
                    await existing.DisposeAsync();
                }
                _coordinators[groupId] = response.NodeId;
                return response.NodeId;
            }
            var error = new KafkaException(response.ErrorCode, $"FindCoordinator({groupId}): {response.ErrorCode} {response.ErrorMessage}");
            if (!error.IsRetriable || Environment.TickCount64 > deadline)
                throw error;
            _logger.LogDebug("Coordinator for {Group} not available yet: {Error}", groupId, response.ErrorCode);
            await Task.Delay(_options.RetryBackoffMs, cancellationToken);
        }
    }

    public void InvalidateCoordinator(string groupId) => _coordinators.TryRemove(groupId, out _);

    /// <summary>Drops the live connection to a node (used by tests to force retries).</summary>
    public void Disconnect(int nodeId)
    {
        if (_nodes.TryGetValue(nodeId, out var endpoint))
            endpoint.Disconnect("disconnected by the client");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var endpoint in _nodes.Values)
            await endpoint.DisposeAsync();
        foreach (var endpoint in _bootstrap)
            await endpoint.DisposeAsync();
        foreach (var endpoint in _coordinatorEndpoints.Values)
            await endpoint.DisposeAsync();
    }
}
