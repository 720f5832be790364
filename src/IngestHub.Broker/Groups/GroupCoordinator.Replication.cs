using IngestHub.Broker.Cluster;
using IngestHub.Broker.Groups.OffsetsTopic;
using IngestHub.Protocol;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Groups;

// Cluster mode: a group's coordinator is the leader of its __consumer_offsets partition.
public sealed partial class GroupCoordinator
{
    private readonly IBrokerCluster? _cluster;
    /// <summary>Serializes loading and unloading of offsets partitions.</summary>
    private readonly Lock _loadGate = new();
    /// <summary>Cluster mode: the offsets partitions this broker leads, loading (false) or loaded (true).</summary>
    private readonly Dictionary<int, bool> _ledPartitions = [];
    /// <summary>Cluster mode: bumped on every leadership change of a partition, so a load that was overtaken
    /// by a resignation does not mark the partition loaded.</summary>
    private readonly Dictionary<int, long> _leadershipChanges = [];

    /// <summary>True when this coordinator serves only the groups of the offsets partitions its broker leads.</summary>
    public bool Replicated => _cluster is not null;

    /// <summary>The number of partitions of the offsets topic groups are spread over: the topic's own count once it
    /// exists here, else offsets.topic.num.partitions.</summary>
    public int OffsetsPartitionCount => _store.PartitionCount ?? _options.OffsetsTopicNumPartitions;

    /// <summary>The offsets partition of <paramref name="groupId"/> (Kafka's abs(String.hashCode) % partitions).</summary>
    public int PartitionOf(string groupId) => OffsetsTopicFormat.PartitionFor(groupId, OffsetsPartitionCount);

    /// <summary>Why this broker cannot serve <paramref name="groupId"/> now: COORDINATOR_NOT_AVAILABLE once stopped;
    /// in cluster mode NOT_COORDINATOR unless it leads the group's offsets partition, and
    /// COORDINATOR_LOAD_IN_PROGRESS while it is still loading it. None when it can.</summary>
    public ErrorCode CoordinatorError(string groupId)
    {
        if (_stopped)
            return ErrorCode.CoordinatorNotAvailable;
        if (_cluster is null)
            return ErrorCode.None;
        int partition = PartitionOf(groupId);
        lock (_ledPartitions)
        {
            if (!_ledPartitions.TryGetValue(partition, out bool loaded))
                return ErrorCode.NotCoordinator;
            return loaded ? ErrorCode.None : ErrorCode.CoordinatorLoadInProgress;
        }
    }

    /// <summary>True when this broker coordinates <paramref name="groupId"/> (always in the single-broker default).</summary>
    private bool Coordinates(string groupId) => CoordinatorError(groupId) == ErrorCode.None;

    /// <summary>
    /// The cluster reports that this broker became (or stopped being) the leader of offsets partition
    /// <paramref name="partition"/>. Becoming leader loads the partition's groups and offsets from the replicated
    /// log in the background (requests for them meanwhile get COORDINATOR_LOAD_IN_PROGRESS); losing it drops them at
    /// once, failing waiting JoinGroup/SyncGroup requests with NOT_COORDINATOR, so members rejoin at the new
    /// coordinator, as Kafka's do.
    /// </summary>
    public void OnOffsetsPartitionLeadership(int partition, bool leader)
    {
        if (_cluster is null || _stopped)
            return;
        long change;
        lock (_ledPartitions)
        {
            change = _leadershipChanges.GetValueOrDefault(partition) + 1;
            _leadershipChanges[partition] = change;
            if (leader)
                _ledPartitions[partition] = false;
            else if (!_ledPartitions.Remove(partition))
                return;
        }
        if (leader)
            _ = Task.Run(() => Load(partition, change));
        else
            Unload(partition);
    }

    private bool IsCurrent(int partition, long change)
    {
        lock (_ledPartitions)
            return _leadershipChanges.GetValueOrDefault(partition) == change;
    }

    private void Load(int partition, long change)
    {
        lock (_loadGate)
        {
            if (!IsCurrent(partition, change) || _stopped)
                return;
            var started = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                DropGroups(partition, ErrorCode.NotCoordinator);
                var groups = _store.LoadPartition(partition);
                RestoreGroups(groups.Contains);
                RestoreConsumerGroups(NowMs, groups.Contains);
                lock (_ledPartitions)
                {
                    if (_leadershipChanges.GetValueOrDefault(partition) != change)
                        return;
                    _ledPartitions[partition] = true;
                }
                _logger.LogInformation("Coordinator of {Topic}-{Partition}: loaded {Groups} groups in {Ms} ms",
                    Metadata.TopicName.ConsumerOffsets, partition, groups.Count, started.ElapsedMilliseconds);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
                lock (_ledPartitions)
                {
                    if (_leadershipChanges.GetValueOrDefault(partition) == change)
                        _ledPartitions.Remove(partition);
                }
                _logger.LogWarning(e, "Loading the groups of {Topic}-{Partition} failed; this broker does not coordinate them",
                    Metadata.TopicName.ConsumerOffsets, partition);
            }
        }
    }

    private void Unload(int partition)
    {
        lock (_loadGate)
        {
            int dropped = DropGroups(partition, ErrorCode.NotCoordinator);
            _store.UnloadPartition(partition);
            _logger.LogInformation("No longer coordinator of {Topic}-{Partition}: {Groups} groups unloaded",
                Metadata.TopicName.ConsumerOffsets, partition, dropped);
        }
    }

    /// <summary>Forgets the groups of <paramref name="partition"/> held in memory, answering their waiting
    /// JoinGroup and SyncGroup requests with <paramref name="error"/>.</summary>
    private int DropGroups(int partition, ErrorCode error)
    {
        int dropped = 0;
        foreach (var group in _groups.Values)
        {
            if (PartitionOf(group.GroupId) != partition)
                continue;
            lock (group.Gate)
            {
                foreach (var member in group.Members)
                {
                    member.JoinWaiter?.TrySetResult(JoinError(error, member.MemberId));
                    member.SyncWaiter?.TrySetResult(SyncError(error));
                    member.JoinWaiter = null;
                    member.SyncWaiter = null;
                }
            }
            _groups.TryRemove(new KeyValuePair<string, GroupMetadata>(group.GroupId, group));
            dropped++;
        }
        foreach (var group in _consumerGroups.Values)
        {
            if (PartitionOf(group.GroupId) != partition)
                continue;
            _consumerGroups.TryRemove(new KeyValuePair<string, ConsumerGroup>(group.GroupId, group));
            dropped++;
        }
        return dropped;
    }

    /// <summary>Kafka's answer to a failed write of offsets: the produce error mapped to a group error.</summary>
    internal static ErrorCode CommitError(ErrorCode writeError) => writeError switch
    {
        ErrorCode.UnknownTopicOrPartition or ErrorCode.NotEnoughReplicas or ErrorCode.NotEnoughReplicasAfterAppend
            or ErrorCode.RequestTimedOut => ErrorCode.CoordinatorNotAvailable,
        ErrorCode.NotLeaderOrFollower or ErrorCode.KafkaStorageError => ErrorCode.NotCoordinator,
        ErrorCode.MessageTooLarge or ErrorCode.RecordListTooLarge or ErrorCode.InvalidFetchSize => ErrorCode.InvalidCommitOffsetSize,
        _ => writeError,
    };
}
