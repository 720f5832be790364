namespace IngestHub.Autoscaler;

/// <summary>
/// When each partition's committed offset last moved, to tell a stuck partition (offset still for
/// <c>stallAfter</c> while another partition of the group moved within that time) from a slow group (nothing moves).
/// </summary>
public sealed class PartitionProgress
{
    private readonly Dictionary<(string Topic, int Partition), (long Committed, long MovedAtMs)> _last = [];

    /// <summary>Records the committed offsets and returns the partitions as loads, with the stalled ones flagged.</summary>
    public IReadOnlyList<PartitionLoad> Update(IReadOnlyList<Client.PartitionLag> partitions, long nowMs, TimeSpan stallAfter)
    {
        foreach (var p in partitions)
        {
            var key = (p.Topic, p.Partition);
            if (!_last.TryGetValue(key, out var last) || last.Committed != p.CommittedOffset)
                _last[key] = (p.CommittedOffset, nowMs);
        }
        long after = (long)stallAfter.TotalMilliseconds;
        var loads = new List<PartitionLoad>(partitions.Count);
        foreach (var p in partitions)
        {
            var key = (p.Topic, p.Partition);
            bool stalled = false;
            if (p.Lag > 0 && nowMs - _last[key].MovedAtMs >= after)
            {
                foreach (var other in partitions)
                {
                    if ((other.Topic, other.Partition) != key && nowMs - _last[(other.Topic, other.Partition)].MovedAtMs < after)
                    {
                        stalled = true;
                        break;
                    }
                }
            }
            loads.Add(new PartitionLoad(p.Topic, p.Partition, p.Lag, stalled));
        }
        return loads;
    }

    /// <summary>Milliseconds since the partition's committed offset last moved (0 when unknown).</summary>
    public long StillForMs(string topic, int partition, long nowMs) =>
        _last.TryGetValue((topic, partition), out var last) ? nowMs - last.MovedAtMs : 0;

    public void Clear() => _last.Clear();
}
