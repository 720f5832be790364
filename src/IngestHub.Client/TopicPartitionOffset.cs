namespace IngestHub.Client;

/// <summary>A partition and an offset in it (for commits: the next offset to consume).</summary>
public readonly record struct TopicPartitionOffset(string Topic, int Partition, long Offset)
{
    public TopicPartitionOffset(TopicPartition partition, long offset) : this(partition.Topic, partition.Partition, offset) { }

    public TopicPartition TopicPartition => new(Topic, Partition);

    public override string ToString() => $"{Topic}-{Partition}@{Offset}";
}
