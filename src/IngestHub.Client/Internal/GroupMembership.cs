using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Messages.ConsumerProtocol;
using IngestHub.Protocol.Primitives;
using Microsoft.Extensions.Logging;

namespace IngestHub.Client.Internal;

/// <summary>
/// The consumer's group membership, run on its own task: find the coordinator, JoinGroup (the leader computes
/// the assignment with the chosen assignor), SyncGroup, then heartbeat every heartbeat.interval.ms until the
/// coordinator asks for a rebalance (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID) or the
/// subscription changes. Before rejoining, the revoke handler runs so the consumer can commit (eager protocol).
/// </summary>
internal sealed class GroupMembership : IAsyncDisposable
{
    private readonly ConsumerOptions _options;
    private readonly ClusterClient _cluster;
    private readonly ILogger _logger;
    private readonly string _groupId;
    private readonly Func<IReadOnlyList<TopicPartition>, Task> _onAssigned;
    private readonly Func<IReadOnlyList<TopicPartition>, Task> _onRevoked;
    private readonly CancellationTokenSource _stop = new();
    private volatile string? _lastError;
    private string? _lastWarned;
    private long _lastWarnedAt;
    private volatile IReadOnlyList<string> _topics = [];
    private volatile bool _rejoinRequested;
    // The leader remembers the partition counts it assigned from, and rejoins (a rebalance for everyone) when a
    // subscribed topic appears or grows, as Kafka's consumer leader does.
    private Dictionary<string, int> _assignedCounts = [];
    private Task _loop = Task.CompletedTask;

    public GroupMembership(ConsumerOptions options, ClusterClient cluster, ILogger logger,
        Func<IReadOnlyList<TopicPartition>, Task> onAssigned, Func<IReadOnlyList<TopicPartition>, Task> onRevoked)
    {
        _options = options;
        _cluster = cluster;
        _logger = logger;
        _groupId = options.GroupId ?? throw new ArgumentException("group.id is required to subscribe", nameof(options));
        _onAssigned = onAssigned;
        _onRevoked = onRevoked;
    }

    public string MemberId { get; private set; } = "";
    public int GenerationId { get; private set; } = -1;
    public bool IsLeader { get; private set; }
    public IReadOnlyList<TopicPartition> Assigned { get; private set; } = [];

    /// <summary>Why the last attempt to join failed, while the member is out of the group; null once it is in.</summary>
    public string? LastError => _lastError;

    public void Subscribe(IReadOnlyList<string> topics)
    {
        _topics = topics;
        _rejoinRequested = true;
        if (_loop.IsCompleted)
            _loop = Task.Run(RunAsync);
    }

    private async Task RunAsync()
    {
        int backoff = _options.RetryBackoffMs;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                _rejoinRequested = false;
                var assignment = await JoinAndSyncAsync();
                _lastError = null;
                _lastWarned = null;
                Assigned = assignment;
                await _onAssigned(assignment);
                backoff = _options.RetryBackoffMs;
                await HeartbeatUntilRejoinAsync();
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                break;
            }
            catch (KafkaException ex)
            {
                _lastError = ex.Message;
                // A refusal that retrying cannot fix (a login, an ACL) is a Warning, once per message and then every
                // 30 s while it lasts; the ordinary churn of a rebalance stays at Information.
                long now = Environment.TickCount64;
                if (!ex.IsRetriable && (_lastWarned != ex.Message || now - _lastWarnedAt >= 30_000))
                {
                    _logger.LogWarning("Group {Group}: {Error}; retrying", _groupId, ex.Message);
                    _lastWarned = ex.Message;
                    _lastWarnedAt = now;
                }
                else
                {
                    _logger.LogInformation("Group {Group}: {Error}; rejoining", _groupId, ex.Message);
                }
                HandleError(ex.ErrorCode);
                await DelayQuietly(backoff);
                backoff = Math.Min(backoff * 2, 2000);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Group {Group} membership failed; retrying", _groupId);
                await DelayQuietly(backoff);
            }
            if (Assigned.Count > 0 || GenerationId >= 0)
            {
                var revoked = Assigned;
                Assigned = [];
                await _onRevoked(revoked);
            }
        }
        if (Assigned.Count > 0)
        {
            var revoked = Assigned;
            Assigned = [];
            await _onRevoked(revoked);
        }
    }

    private void HandleError(ErrorCode error)
    {
        switch (error)
        {
            case ErrorCode.UnknownMemberId:
                MemberId = "";
                GenerationId = -1;
                break;
            case ErrorCode.IllegalGeneration:
                GenerationId = -1;
                break;
            case ErrorCode.NotCoordinator or ErrorCode.CoordinatorNotAvailable or ErrorCode.NetworkException or ErrorCode.RequestTimedOut:
                _cluster.InvalidateCoordinator(_groupId);
                break;
        }
    }

    private async Task<IReadOnlyList<TopicPartition>> JoinAndSyncAsync()
    {
        var token = _stop.Token;
        int coordinator = await _cluster.FindCoordinatorAsync(_groupId, token);
        var topics = _topics;
        _cluster.Track(topics);
        var subscription = new ConsumerProtocolSubscription { Topics = [.. topics] };
        using var metadataBytes = new PooledBufferWriter(256);
        subscription.Write(metadataBytes, 0);
        var join = new JoinGroupRequest
        {
            GroupId = _groupId,
            SessionTimeoutMs = _options.SessionTimeoutMs,
            RebalanceTimeoutMs = _options.MaxPollIntervalMs,
            MemberId = MemberId,
            GroupInstanceId = _options.GroupInstanceId,
            ProtocolType = "consumer",
        };
        foreach (var assignor in _options.PartitionAssignors)
            join.Protocols.Add(new JoinGroupRequest.Protocol { Name = assignor.Name, Metadata = metadataBytes.WrittenSpan.ToArray() });

        JoinGroupResponse joined;
        while (true)
        {
            joined = await _cluster.SendToCoordinatorAsync<JoinGroupRequest, JoinGroupResponse>(coordinator, join, token, _options.MaxPollIntervalMs);
            if (joined.ErrorCode == ErrorCode.MemberIdRequired)
            {
                MemberId = join.MemberId = joined.MemberId;
                continue;
            }
            break;
        }
        KafkaException.ThrowIfError(joined.ErrorCode, $"JoinGroup {_groupId}");
        MemberId = joined.MemberId;
        GenerationId = joined.GenerationId;
        IsLeader = joined.Leader == joined.MemberId;
        _logger.LogDebug("Joined {Group} generation {Generation} as {Member} (leader: {Leader})", _groupId, GenerationId, MemberId, IsLeader);

        var sync = new SyncGroupRequest
        {
            GroupId = _groupId,
            GenerationId = GenerationId,
            MemberId = MemberId,
            GroupInstanceId = _options.GroupInstanceId,
        };
        if (IsLeader)
            sync.Assignments = await ComputeAssignmentsAsync(joined, token);
        var synced = await _cluster.SendToCoordinatorAsync<SyncGroupRequest, SyncGroupResponse>(coordinator, sync, token, _options.MaxPollIntervalMs);
        KafkaException.ThrowIfError(synced.ErrorCode, $"SyncGroup {_groupId}");
        var assignment = ConsumerProtocolAssignment.Read(synced.Assignment);
        var result = new List<TopicPartition>();
        foreach (var entry in assignment.AssignedPartitions)
        {
            foreach (int partition in entry.Partitions)
                result.Add(new TopicPartition(entry.Topic, partition));
        }
        return result;
    }

    private async Task<List<SyncGroupRequest.Assignment>> ComputeAssignmentsAsync(JoinGroupResponse joined, CancellationToken token)
    {
        var assignor = _options.PartitionAssignors.FirstOrDefault(a => a.Name == joined.ProtocolName)
            ?? throw new KafkaException(ErrorCode.InconsistentGroupProtocol, $"group chose unknown assignor {joined.ProtocolName}");
        var subscriptions = new Dictionary<string, IReadOnlyList<string>>();
        var allTopics = new HashSet<string>();
        foreach (var member in joined.Members)
        {
            var subscription = ConsumerProtocolSubscription.Read(member.Metadata);
            subscriptions[member.MemberId] = subscription.Topics;
            allTopics.UnionWith(subscription.Topics);
        }
        _cluster.Track(allTopics);
        var metadata = await _cluster.RefreshMetadataAsync([.. allTopics], false, token);
        var counts = new Dictionary<string, int>();
        foreach (string topic in allTopics)
        {
            if (metadata.Topics.TryGetValue(topic, out var described) && described.Error == ErrorCode.None)
                counts[topic] = described.Partitions.Count;
        }
        _assignedCounts = counts;
        var plan = assignor.Assign(subscriptions, counts);
        var assignments = new List<SyncGroupRequest.Assignment>();
        foreach (var (member, partitions) in plan)
        {
            var message = new ConsumerProtocolAssignment();
            foreach (var group in partitions.GroupBy(p => p.Topic))
                message.AssignedPartitions.Add(new ConsumerProtocolSubscription.TopicPartitions { Topic = group.Key, Partitions = [.. group.Select(p => p.Partition)] });
            using var bytes = new PooledBufferWriter(128);
            message.Write(bytes, 0);
            assignments.Add(new SyncGroupRequest.Assignment { MemberId = member, Bytes = bytes.WrittenSpan.ToArray() });
        }
        _logger.LogDebug("Leader of {Group} assigned {Plan}", _groupId, string.Join("; ", plan.Select(kv => $"{kv.Key}: {string.Join(",", kv.Value)}")));
        return assignments;
    }

    private async Task HeartbeatUntilRejoinAsync()
    {
        long lastSuccess = Environment.TickCount64;
        long nextPartitionCheck = Environment.TickCount64 + _options.PartitionCheckIntervalMs;
        while (!_stop.IsCancellationRequested && !_rejoinRequested)
        {
            await DelayQuietly(_options.HeartbeatIntervalMs);
            if (_stop.IsCancellationRequested || _rejoinRequested)
                return;
            if (IsLeader && Environment.TickCount64 >= nextPartitionCheck)
            {
                nextPartitionCheck = Environment.TickCount64 + _options.PartitionCheckIntervalMs;
                if (await PartitionsChangedAsync())
                {
                    _logger.LogInformation("Subscribed topics of {Group} changed partitions; rebalancing", _groupId);
                    return;
                }
            }
            try
            {
                int coordinator = await _cluster.FindCoordinatorAsync(_groupId, _stop.Token);
                var response = await _cluster.SendToCoordinatorAsync<HeartbeatRequest, HeartbeatResponse>(coordinator, new HeartbeatRequest
                {
                    GroupId = _groupId,
                    GenerationId = GenerationId,
                    MemberId = MemberId,
                    GroupInstanceId = _options.GroupInstanceId,
                }, _stop.Token);
                if (response.ErrorCode == ErrorCode.None)
                {
                    lastSuccess = Environment.TickCount64;
                    continue;
                }
                if (response.ErrorCode is ErrorCode.RebalanceInProgress or ErrorCode.IllegalGeneration or ErrorCode.UnknownMemberId or ErrorCode.FencedInstanceId)
                {
                    _logger.LogDebug("Heartbeat {Group}: {Error}; rejoining", _groupId, response.ErrorCode);
                    HandleError(response.ErrorCode);
                    return;
                }
                HandleError(response.ErrorCode);
            }
            catch (KafkaException ex) when (ex.IsRetriable)
            {
                HandleError(ex.ErrorCode);
            }
            if (Environment.TickCount64 - lastSuccess > _options.SessionTimeoutMs)
            {
                MemberId = "";
                GenerationId = -1;
                return;
            }
        }
    }

    private async Task<bool> PartitionsChangedAsync()
    {
        try
        {
            var topics = new HashSet<string>(_topics);
            topics.UnionWith(_assignedCounts.Keys);
            var metadata = await _cluster.RefreshMetadataAsync([.. topics], false, _stop.Token);
            foreach (string topic in topics)
            {
                int now = metadata.Topics.TryGetValue(topic, out var described) && described.Error == ErrorCode.None ? described.Partitions.Count : 0;
                if (now != _assignedCounts.GetValueOrDefault(topic))
                    return true;
            }
        }
        catch (KafkaException ex) when (ex.IsRetriable)
        {
            _logger.LogDebug("Partition check for {Group} failed: {Error}", _groupId, ex.Message);
        }
        return false;
    }

    /// <summary>Stops the loop (revoking first) and sends LeaveGroup.</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _loop;
        _stop.Dispose();
        if (MemberId.Length == 0 || _options.GroupInstanceId is not null)
            return; // static members keep their slot until the session times out, as in Kafka
        try
        {
            int coordinator = await _cluster.FindCoordinatorAsync(_groupId, CancellationToken.None);
            var request = new LeaveGroupRequest { GroupId = _groupId, MemberId = MemberId };
            request.Members.Add(new LeaveGroupRequest.Member { MemberId = MemberId, GroupInstanceId = _options.GroupInstanceId });
            var response = await _cluster.SendToCoordinatorAsync<LeaveGroupRequest, LeaveGroupResponse>(coordinator, request, CancellationToken.None);
            if (response.ErrorCode != ErrorCode.None)
                _logger.LogDebug("LeaveGroup {Group}: {Error}", _groupId, response.ErrorCode);
        }
        catch (KafkaException ex)
        {
            _logger.LogDebug("LeaveGroup {Group} failed: {Error}", _groupId, ex.Message);
        }
        MemberId = "";
        GenerationId = -1;
    }

    private async Task DelayQuietly(int ms)
    {
        try
        {
            await Task.Delay(ms, _stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
