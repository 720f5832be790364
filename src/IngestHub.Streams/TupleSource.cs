namespace IngestHub.Streams;

/// <summary>
/// Where a tuple's data came from: the source record (topic, partition, offset) and, when one record gave several
/// tuples, which of them (<see cref="Index"/>). The Kafka spout sets it; a bolt's emit anchored to one input
/// inherits it (the second and later emits per input get distinct indexes). Stateful bolts use it to drop
/// replayed duplicates and to hold back source commits until their results are out.
/// </summary>
public sealed record TupleSource(string Topic, int Partition, long Offset, long Index = 0)
{
    /// <summary>The lineage of the <paramref name="ordinal"/>-th tuple emitted from an input with this lineage.</summary>
    public TupleSource Derive(int ordinal)
    {
        if (ordinal == 0)
            return this;
        // A deterministic mix: the same input and emit order give the same index on replay.
        ulong x = (ulong)Index * 0x9E3779B97F4A7C15UL + (ulong)ordinal;
        x ^= x >> 31;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 29;
        return this with { Index = (long)(x | 1) };
    }

    public override string ToString() => Index == 0 ? $"{Topic}-{Partition}@{Offset}" : $"{Topic}-{Partition}@{Offset}#{Index}";
}
