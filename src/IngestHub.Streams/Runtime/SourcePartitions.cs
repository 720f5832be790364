using System.Collections.Concurrent;
using IngestHub.Client;

namespace IngestHub.Streams.Runtime;

/// <summary>
/// What the topology's spouts report about their source partitions: which partitions they read (the set only
/// grows, so a partition moving between spout tasks stays expected), and per partition its <em>frontier</em> (every
/// offset below it is done: its tuple tree completed or it was dead-lettered) and the next offset to be read.
/// Event-time aggregates take their watermark from what is below the frontiers, so a record that is still being
/// retried can never turn late.
/// </summary>
internal sealed class SourcePartitions
{
    private readonly object _lock = new();
    private readonly HashSet<TopicPartition> _all = [];
    private readonly ConcurrentDictionary<TopicPartition, Progress> _progress = new();
    private TopicPartition[] _snapshot = [];

    public IReadOnlyList<TopicPartition> All => Volatile.Read(ref _snapshot);

    public void Publish(IEnumerable<TopicPartition> partitions)
    {
        lock (_lock)
        {
            bool added = false;
            foreach (var p in partitions)
                added |= _all.Add(p);
            if (added)
                Volatile.Write(ref _snapshot, [.. _all]);
        }
    }

    /// <summary>Every offset of the partition below <paramref name="frontier"/> is done; <paramref name="next"/> is the
    /// next offset the spout will read (equal to the frontier when nothing is in flight or waiting for a retry).</summary>
    public void Report(TopicPartition partition, long frontier, long next) => _progress[partition] = new Progress(frontier, next);

    public bool TryGetProgress(TopicPartition partition, out long frontier, out long next)
    {
        if (_progress.TryGetValue(partition, out var p))
        {
            frontier = p.Frontier;
            next = p.Next;
            return true;
        }
        frontier = next = -1;
        return false;
    }

    private readonly record struct Progress(long Frontier, long Next);
}
