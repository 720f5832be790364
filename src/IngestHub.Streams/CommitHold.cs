using IngestHub.Client;

namespace IngestHub.Streams;

/// <summary>
/// Lets a stateful task (a windowed aggregate) hold back the spouts' source commits and keep one progress value
/// across restarts. The task publishes, atomically: its <em>progress</em> (e.g. the end of the last window whose
/// results were acknowledged) and, per source partition, the lowest offset it still holds in state that is not
/// yet in an acknowledged result. A Kafka spout never commits at or past a held offset, and persists every
/// task's progress before it commits; after a restart the task reads <see cref="Restored"/> and skips what it had
/// already delivered, while the replay from the committed offsets brings back everything it had not.
/// </summary>
public sealed class CommitHold
{
    private Snapshot _current;

    internal CommitHold(string componentId, int taskIndex, int taskCount, long? restored)
    {
        ComponentId = componentId;
        TaskIndex = taskIndex;
        TaskCount = taskCount;
        Restored = restored;
        _current = new Snapshot(restored ?? long.MinValue, new Dictionary<TopicPartition, long>());
    }

    public string ComponentId { get; }

    public int TaskIndex { get; }

    internal int TaskCount { get; }

    /// <summary>The progress this task published before the last restart, if any.</summary>
    public long? Restored { get; }

    internal Snapshot Current => Volatile.Read(ref _current);

    /// <summary>Publishes progress and the lowest held offset per partition (partitions not listed hold nothing).
    /// Call it before acking a tuple whose offset lowered a held minimum. The dictionary is copied.</summary>
    public void Update(long progress, IReadOnlyDictionary<TopicPartition, long> lowestHeldOffsets)
    {
        if (progress < _current.Progress)
            throw new ArgumentOutOfRangeException(nameof(progress), progress, $"progress must not go back (was {_current.Progress})");
        Volatile.Write(ref _current, new Snapshot(progress, new Dictionary<TopicPartition, long>(lowestHeldOffsets)));
    }

    internal sealed record Snapshot(long Progress, IReadOnlyDictionary<TopicPartition, long> LowestHeld);
}
