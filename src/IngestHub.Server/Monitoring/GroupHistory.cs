using System.Collections.Concurrent;

namespace IngestHub.Server.Monitoring;

/// <summary>Lag history of one consumer group: observations per partition and the group's total lag.</summary>
public sealed class GroupHistory(string group, int capacity)
{
    private readonly ConcurrentDictionary<(string Topic, int Partition), RingBuffer<LagObservation>> _partitions = new();

    public string Group { get; } = group;
    public RingBuffer<(long TimestampMs, long Lag)> Total { get; } = new(capacity);
    public long LastSeenMs { get; set; }

    public RingBuffer<LagObservation> Partition(string topic, int partition) =>
        _partitions.GetOrAdd((topic, partition), _ => new RingBuffer<LagObservation>(capacity));

    public RingBuffer<LagObservation>? FindPartition(string topic, int partition) =>
        _partitions.TryGetValue((topic, partition), out var ring) ? ring : null;

    public IEnumerable<KeyValuePair<(string Topic, int Partition), RingBuffer<LagObservation>>> Partitions => _partitions;

    /// <summary>Drops partitions the group no longer reports (topic deleted, offsets expired).</summary>
    public void Retain(IReadOnlySet<(string Topic, int Partition)> live)
    {
        foreach (var key in _partitions.Keys)
            if (!live.Contains(key))
                _partitions.TryRemove(key, out _);
    }
}
