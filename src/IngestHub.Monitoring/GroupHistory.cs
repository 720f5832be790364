using System.Collections.Concurrent;

namespace IngestHub.Monitoring;

/// <summary>Lag history of one consumer group: per partition and the group's total lag.</summary>
public sealed class GroupHistory(string group, int capacity, int windowSize)
{
    private readonly ConcurrentDictionary<(string Topic, int Partition), PartitionHistory> _partitions = new();

    public string Group { get; } = group;
    public RingBuffer<(long TimestampMs, long Lag)> Total { get; } = new(capacity);
    public long LastSeenMs { get; set; }

    public PartitionHistory Partition(string topic, int partition) =>
        _partitions.GetOrAdd((topic, partition), _ => new PartitionHistory(capacity, windowSize));

    public PartitionHistory? FindPartition(string topic, int partition) =>
        _partitions.TryGetValue((topic, partition), out var history) ? history : null;

    public IEnumerable<KeyValuePair<(string Topic, int Partition), PartitionHistory>> Partitions => _partitions;

    /// <summary>Drops partitions the group no longer reports (topic deleted, offsets expired).</summary>
    public void Retain(IReadOnlySet<(string Topic, int Partition)> live)
    {
        foreach (var key in _partitions.Keys)
            if (!live.Contains(key))
                _partitions.TryRemove(key, out _);
    }
}
