namespace IngestHub.Client;

/// <summary>One consumed record.</summary>
public sealed class ConsumeResult
{
    public required string Topic { get; init; }
    public required int Partition { get; init; }
    public required long Offset { get; init; }
    public required long Timestamp { get; init; }
    public byte[]? Key { get; init; }
    public byte[]? Value { get; init; }
    public IReadOnlyList<Header> Headers { get; init; } = [];

    public TopicPartition TopicPartition => new(Topic, Partition);

    /// <summary>The offset to commit once this record is processed (offset + 1).</summary>
    public TopicPartitionOffset NextOffset => new(Topic, Partition, Offset + 1);
}
