using IngestHub.Broker.Cluster;
using IngestHub.Broker.Groups.OffsetsTopic;
using IngestHub.Broker.Logs;
using IngestHub.Protocol;
using IngestHub.Protocol.Records;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Groups;

/// <summary>
/// Committed offsets and group metadata of every group, kept as Kafka keeps them: records of the internal compacted
/// topic <c>__consumer_offsets</c>, in Kafka's key/value formats (<see cref="OffsetsTopicFormat"/>), each group on
/// the partition <see cref="OffsetsTopicFormat.PartitionFor"/> gives it. The topic is created at the first write. A commit is appended and fsynced before it
/// is acknowledged (commits waiting for the same partition share one fsync); deletes are tombstones. The latest
/// state is held in memory and rebuilt by reading every partition at start; the log cleaner compacts the topic.
/// In cluster mode (<see cref="IBrokerCluster"/>) the topic is replicated: nothing is read at start, a partition's
/// groups are loaded when this broker becomes its leader (<see cref="LoadPartition"/>) and dropped when it stops
/// leading it (<see cref="UnloadPartition"/>); only the leader appends, and a commit is acknowledged once the high
/// watermark has passed it (acks=all with the topic's min.insync.replicas).
/// </summary>
internal sealed class OffsetStore : IDisposable
{
    private readonly TopicRegistry _topics;
    /// <summary>The offsets topic once it exists (it is created at the first write).</summary>
    private TopicState? _topic;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    /// <summary>Guards the maps and orders appends: a record is appended under it, so the log's order is the maps'.</summary>
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dictionary<GroupPartition, CommittedOffset>> _offsets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GroupMetadataValue> _loadedGroups = new(StringComparer.Ordinal);
    /// <summary>Consumer-protocol group records found at load: the latest value per key, tombstoned keys left out.</summary>
    private readonly Dictionary<ConsumerGroupRecordKey, object> _loadedConsumerRecords = [];
    private bool _disposed;
    private readonly IBrokerCluster? _cluster;
    /// <summary>Cluster mode: the log offset of the write each map entry came from, so a commit acknowledged late
    /// never replaces a newer one.</summary>
    private readonly Dictionary<(string Group, GroupPartition Partition), long> _appliedAt = [];

    /// <summary>offsets.commit.timeout.ms: how long a commit waits for the in-sync replicas.</summary>
    public int CommitTimeoutMs { get; init; } = 5000;

    public OffsetStore(TopicRegistry topics, ILogger logger, TimeProvider time, IBrokerCluster? cluster = null)
    {
        _topics = topics;
        _logger = logger;
        _time = time;
        _cluster = cluster;
        if (cluster is null && topics.TryGetTopic(OffsetsTopicFormat.TopicName, out var topic))
        {
            _topic = topic;
            foreach (var partition in topic.Partitions)
                Load(partition);
        }
    }

    /// <summary>The group metadata records found at load (the latest per group, tombstoned groups left out).</summary>
    public IReadOnlyDictionary<string, GroupMetadataValue> LoadedGroups => _loadedGroups;

    /// <summary>The consumer-protocol group records found at load (the latest value per key, tombstoned keys left out).</summary>
    public IReadOnlyDictionary<ConsumerGroupRecordKey, object> LoadedConsumerGroupRecords => _loadedConsumerRecords;

    public IReadOnlyList<string> GroupIds()
    {
        lock (_gate)
            return [.. _offsets.Keys];
    }

    public bool HasOffsets(string group)
    {
        lock (_gate)
            return _offsets.TryGetValue(group, out var map) && map.Count > 0;
    }

    public bool TryGet(string group, GroupPartition partition, out CommittedOffset offset)
    {
        lock (_gate)
        {
            if (_offsets.TryGetValue(group, out var map) && map.TryGetValue(partition, out offset))
                return true;
        }
        offset = default;
        return false;
    }

    public List<KeyValuePair<GroupPartition, CommittedOffset>> GetAll(string group)
    {
        lock (_gate)
            return _offsets.TryGetValue(group, out var map) ? [.. map] : [];
    }

    /// <summary>Appends the commits, applies them and returns once they are on disk (in cluster mode: once the
    /// in-sync replicas hold them). Throws <see cref="OffsetWriteException"/> with Kafka's error when the write fails.</summary>
    public async Task CommitAsync(string group, IReadOnlyList<KeyValuePair<GroupPartition, CommittedOffset>> offsets)
    {
        if (offsets.Count == 0)
            return;
        PartitionState log;
        long lastOffset;
        using (var batch = new RecordBatchBuilder(CompressionType.None, 128 * offsets.Count))
        {
            foreach (var (partition, offset) in offsets)
                batch.Append(offset.CommitTimestampMs, OffsetsTopicFormat.EncodeKey(new OffsetCommitKey(group, partition.Topic, partition.Partition)), CommitValue(offset));
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                (log, lastOffset) = Append(group, batch, acks: -1);
                if (_cluster is null)
                {
                    var map = GroupMap(group);
                    foreach (var (partition, offset) in offsets)
                        map[partition] = offset;
                }
            }
        }
        try
        {
            log.Log.FlushTo(lastOffset);
        }
        catch (IOException e)
        {
            throw new OffsetWriteException(ErrorCode.KafkaStorageError, $"flushing {log.Topic}-{log.Index} failed: {e.Message}", e);
        }
        if (_cluster is null)
            return;
        var replicated = await _cluster.WaitForReplicationAsync(log, lastOffset, CommitTimeoutMs, CancellationToken.None);
        if (replicated != ErrorCode.None)
            throw new OffsetWriteException(replicated, $"the commit at {log.Topic}-{log.Index} offset {lastOffset} was not replicated: {replicated}");
        lock (_gate)
        {
            var map = GroupMap(group);
            foreach (var (partition, offset) in offsets)
            {
                if (_appliedAt.TryGetValue((group, partition), out long at) && at > lastOffset)
                    continue;
                _appliedAt[(group, partition)] = lastOffset;
                map[partition] = offset;
            }
        }
    }

    /// <summary>Removes the group's offsets that <paramref name="expired"/> selects; returns how many are left.
    /// The tombstones are not fsynced: losing one only brings an expired offset back until the next expiry pass.</summary>
    public int Expire(string group, Func<CommittedOffset, bool> expired)
    {
        lock (_gate)
        {
            if (_disposed || !_offsets.TryGetValue(group, out var map))
                return 0;
            List<GroupPartition>? removed = null;
            foreach (var (partition, offset) in map)
            {
                if (expired(offset))
                    (removed ??= []).Add(partition);
            }
            if (removed is not null)
                RemoveLocked(group, map, removed);
            if (map.Count == 0)
                _offsets.Remove(group);
            return map.Count;
        }
    }

    /// <summary>Removes the group's offsets of the partitions <paramref name="selected"/> picks (DeleteGroups,
    /// OffsetDelete), written as tombstones and fsynced before returning.</summary>
    public void Delete(string group, Func<GroupPartition, bool> selected)
    {
        PartitionState log;
        long lastOffset;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_offsets.TryGetValue(group, out var map))
                return;
            List<GroupPartition> removed = [];
            foreach (var partition in map.Keys)
            {
                if (selected(partition))
                    removed.Add(partition);
            }
            if (removed.Count == 0)
                return;
            (log, lastOffset) = RemoveLocked(group, map, removed);
            if (map.Count == 0)
                _offsets.Remove(group);
        }
        log.Log.FlushTo(lastOffset);
    }

    /// <summary>Writes the group's metadata record (its generation, protocol, members and their assignments), or its
    /// tombstone when <paramref name="value"/> is null (the group is gone). Not fsynced: the record describes
    /// membership, which clients re-establish after a crash anyway.</summary>
    public void WriteGroupMetadata(string group, GroupMetadataValue? value)
    {
        using var batch = new RecordBatchBuilder(CompressionType.None, 256);
        batch.Append(NowMs, OffsetsTopicFormat.EncodeGroupKey(group), value is null ? null : OffsetsTopicFormat.EncodeValue(value));
        lock (_gate)
        {
            if (_disposed)
                return;
            Append(group, batch);
        }
    }

    /// <summary>Writes consumer-protocol group records (a null value is a tombstone) of one group as one batch. Not
    /// fsynced, like the classic group metadata record.</summary>
    public void WriteConsumerGroupRecords(string group, IReadOnlyList<(byte[] Key, byte[]? Value)> records)
    {
        if (records.Count == 0)
            return;
        int size = 0;
        foreach (var (key, value) in records)
            size += key.Length + (value?.Length ?? 0) + 32;
        using var batch = new RecordBatchBuilder(CompressionType.None, size);
        long now = NowMs;
        foreach (var (key, value) in records)
            batch.Append(now, key, value);
        lock (_gate)
        {
            if (_disposed)
                return;
            Append(group, batch);
        }
    }

    /// <summary>Writes offsets read from elsewhere (a data directory's former offsets file) and fsyncs them.</summary>
    public void Import(IReadOnlyDictionary<string, Dictionary<GroupPartition, CommittedOffset>> offsets)
    {
        var written = new Dictionary<PartitionState, long>();
        foreach (var (group, map) in offsets)
        {
            if (map.Count == 0)
                continue;
            using var batch = new RecordBatchBuilder(CompressionType.None, 128 * map.Count);
            foreach (var (partition, offset) in map)
                batch.Append(offset.CommitTimestampMs, OffsetsTopicFormat.EncodeKey(new OffsetCommitKey(group, partition.Topic, partition.Partition)), CommitValue(offset));
            lock (_gate)
            {
                var (log, lastOffset) = Append(group, batch);
                written[log] = lastOffset;
                var current = GroupMap(group);
                foreach (var (partition, offset) in map)
                    current[partition] = offset;
            }
        }
        foreach (var (log, lastOffset) in written)
            log.Log.FlushTo(lastOffset);
    }

    /// <summary>The partition count of the offsets topic here (null while it does not exist).</summary>
    public int? PartitionCount => _topics.TryGetTopic(OffsetsTopicFormat.TopicName, out var topic) ? topic.Partitions.Count : null;

    /// <summary>Cluster mode, on becoming the leader of <paramref name="partition"/>: forgets what was held of its
    /// groups and reads it again from its start. Returns the ids of the groups found (with offsets, metadata or
    /// consumer-protocol records). Throws IOException when the log cannot be read.</summary>
    public HashSet<string> LoadPartition(int partition)
    {
        var groups = new HashSet<string>(StringComparer.Ordinal);
        if (!_topics.TryGetTopic(OffsetsTopicFormat.TopicName, out var topic) || partition >= topic.Partitions.Count)
            return groups;
        int count = topic.Partitions.Count;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ForgetLocked(partition, count);
            Load(topic.Partitions[partition]);
            foreach (string group in _offsets.Keys)
                if (OffsetsTopicFormat.PartitionFor(group, count) == partition)
                    groups.Add(group);
            foreach (string group in _loadedGroups.Keys)
                if (OffsetsTopicFormat.PartitionFor(group, count) == partition)
                    groups.Add(group);
            foreach (var key in _loadedConsumerRecords.Keys)
                if (OffsetsTopicFormat.PartitionFor(key.Group, count) == partition)
                    groups.Add(key.Group);
        }
        return groups;
    }

    /// <summary>Cluster mode, on losing the leadership of <paramref name="partition"/>: its groups' offsets and
    /// records are dropped here (the new leader has them in its replica).</summary>
    public void UnloadPartition(int partition)
    {
        if (!_topics.TryGetTopic(OffsetsTopicFormat.TopicName, out var topic))
            return;
        lock (_gate)
            ForgetLocked(partition, topic.Partitions.Count);
    }

    private void ForgetLocked(int partition, int count)
    {
        foreach (string group in _offsets.Keys.Where(g => OffsetsTopicFormat.PartitionFor(g, count) == partition).ToList())
            _offsets.Remove(group);
        foreach (string group in _loadedGroups.Keys.Where(g => OffsetsTopicFormat.PartitionFor(g, count) == partition).ToList())
            _loadedGroups.Remove(group);
        foreach (var key in _loadedConsumerRecords.Keys.Where(k => OffsetsTopicFormat.PartitionFor(k.Group, count) == partition).ToList())
            _loadedConsumerRecords.Remove(key);
        foreach (var key in _appliedAt.Keys.Where(k => OffsetsTopicFormat.PartitionFor(k.Group, count) == partition).ToList())
            _appliedAt.Remove(key);
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static byte[] CommitValue(CommittedOffset offset) =>
        OffsetsTopicFormat.EncodeValue(new OffsetCommitValue(offset.Offset, offset.LeaderEpoch, offset.Metadata ?? "", offset.CommitTimestampMs));

    private (PartitionState Log, long LastOffset) RemoveLocked(string group, Dictionary<GroupPartition, CommittedOffset> map, List<GroupPartition> removed)
    {
        using var batch = new RecordBatchBuilder(CompressionType.None, 96 * removed.Count);
        long now = NowMs;
        foreach (var partition in removed)
            batch.Append(now, OffsetsTopicFormat.EncodeKey(new OffsetCommitKey(group, partition.Topic, partition.Partition)), (byte[]?)null);
        var appended = Append(group, batch);
        foreach (var partition in removed)
        {
            map.Remove(partition);
            if (_cluster is not null)
                _appliedAt[(group, partition)] = appended.LastOffset;
        }
        return appended;
    }

    /// <summary>Appends the batch to the group's partition (under <see cref="_gate"/>); throws
    /// <see cref="OffsetWriteException"/> (an IOException) with Kafka's error when the log refuses it, so callers
    /// report the failure as they did for a failed write. In cluster mode only the partition's leader appends, and
    /// <paramref name="acks"/> -1 first checks the topic's min.insync.replicas.</summary>
    private (PartitionState Log, long LastOffset) Append(string group, RecordBatchBuilder batch, short acks = 1)
    {
        PartitionState partition;
        if (_cluster is null)
        {
            var topic = _topic ??= _topics.EnsureBrokerTopic(OffsetsTopicFormat.TopicName);
            partition = topic.Partitions[OffsetsTopicFormat.PartitionFor(group, topic.Partitions.Count)];
        }
        else
        {
            if (!_topics.TryGetTopic(OffsetsTopicFormat.TopicName, out var topic))
                throw new OffsetWriteException(ErrorCode.NotLeaderOrFollower, $"{OffsetsTopicFormat.TopicName} does not exist here yet");
            partition = topic.Partitions[OffsetsTopicFormat.PartitionFor(group, topic.Partitions.Count)];
            var (refused, message) = _cluster.CheckProduce(partition, acks, topic.MinInsyncReplicas);
            if (refused != ErrorCode.None)
                throw new OffsetWriteException(refused, message ?? refused.ToString());
        }
        int count = batch.Count;
        ProduceOutcome outcome;
        try
        {
            outcome = partition.Append(batch.ToArray(), fsync: false);
        }
        catch (IOException e)
        {
            throw new OffsetWriteException(ErrorCode.KafkaStorageError, $"appending to {partition.Topic}-{partition.Index} failed: {e.Message}", e);
        }
        if (outcome.Error is ErrorCode.MessageTooLarge or ErrorCode.RecordListTooLarge)
            throw new OffsetsTooLargeException($"the records are larger than {partition.Topic} accepts ({outcome.Error})");
        if (outcome.Error != ErrorCode.None)
            throw new OffsetWriteException(outcome.Error, $"appending to {partition.Topic}-{partition.Index} failed: {outcome.Error} {outcome.Message}");
        _cluster?.OnAppended(partition);
        return (partition, outcome.BaseOffset + count - 1);
    }

    private Dictionary<GroupPartition, CommittedOffset> GroupMap(string group)
    {
        if (!_offsets.TryGetValue(group, out var map))
        {
            map = [];
            _offsets[group] = map;
        }
        return map;
    }

    /// <summary>Reads one partition from its start and applies every record in order; a record that does not decode
    /// is skipped with a warning (the broker never writes one, and clients cannot produce to the topic).</summary>
    private void Load(PartitionState partition)
    {
        var log = partition.Log;
        long offset = log.LogStartOffset;
        int skipped = 0;
        var records = new List<DecodedRecord>();
        while (offset < log.LogEndOffset)
        {
            byte[] chunk;
            using (var read = log.Read(offset, 1024 * 1024))
            {
                if (read.Error != ErrorCode.None)
                    throw new IOException($"reading {log.Name} at offset {offset} failed: {read.Error}");
                if (read.Length == 0)
                    break;
                chunk = new byte[read.Length];
                read.CopyTo(chunk);
            }
            long next = offset;
            var batches = new RecordBatchEnumerator(chunk);
            while (batches.MoveNext())
            {
                var header = batches.CurrentHeader;
                next = header.BaseOffset + header.LastOffsetDelta + 1;
                records.Clear();
                var error = RecordBatchDecoder.TryDecodeBatch(batches.Current, records, out string? message);
                if (error != RecordBatchError.None)
                {
                    _logger.LogWarning("{Log}: batch at offset {Offset} does not decode ({Error}: {Message}); skipped", log.Name, header.BaseOffset, error, message);
                    continue;
                }
                foreach (var record in records)
                {
                    if (record.Offset < offset)
                        continue;
                    if (!Apply(record))
                        skipped++;
                }
            }
            if (next <= offset)
                throw new IOException($"reading {log.Name} made no progress at offset {offset}");
            offset = next;
        }
        if (skipped > 0)
            _logger.LogWarning("{Log}: {Count} records that are not offset commits or group records were skipped", log.Name, skipped);
    }

    private bool Apply(DecodedRecord record)
    {
        if (record.Key is null)
            return false;
        try
        {
            switch (OffsetsTopicFormat.DecodeKey(record.Key))
            {
                case OffsetCommitKey key:
                    var partition = new GroupPartition(key.Topic, key.Partition);
                    if (record.Value is null)
                    {
                        if (_offsets.TryGetValue(key.Group, out var map))
                        {
                            map.Remove(partition);
                            if (map.Count == 0)
                                _offsets.Remove(key.Group);
                        }
                    }
                    else
                    {
                        var value = OffsetsTopicFormat.DecodeOffsetValue(record.Value);
                        GroupMap(key.Group)[partition] = new CommittedOffset(value.Offset, value.LeaderEpoch, value.Metadata, value.CommitTimestamp);
                    }
                    return true;
                case string group:
                    if (record.Value is null)
                        _loadedGroups.Remove(group);
                    else
                        _loadedGroups[group] = OffsetsTopicFormat.DecodeGroupValue(record.Value);
                    return true;
                case ConsumerGroupRecordKey consumerKey:
                    if (record.Value is null)
                        _loadedConsumerRecords.Remove(consumerKey);
                    else if (OffsetsTopicFormat.DecodeConsumerGroupValue(consumerKey.Type, record.Value) is { } consumerValue)
                        _loadedConsumerRecords[consumerKey] = consumerValue;
                    return true;
                default:
                    return false;
            }
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        lock (_gate)
            _disposed = true;
    }
}

/// <summary>A write to the offsets topic that failed with <see cref="Error"/> (Kafka's produce error, e.g.
/// NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT, KAFKA_STORAGE_ERROR).</summary>
internal class OffsetWriteException(ErrorCode error, string message, Exception? inner = null) : IOException(message, inner)
{
    public ErrorCode Error { get; } = error;
}

/// <summary>A commit whose records the offsets topic refuses as too large (answered INVALID_COMMIT_OFFSET_SIZE).</summary>
internal sealed class OffsetsTooLargeException(string message) : OffsetWriteException(ErrorCode.MessageTooLarge, message);
