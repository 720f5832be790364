namespace IngestHub.Pipelines.Codecs;

/// <summary>One consumed Kafka record as a codec sees it. <see cref="Key"/> and <see cref="Value"/> are null for
/// null key / tombstone; <see cref="Timestamp"/> is milliseconds since the epoch (negative when absent).</summary>
public readonly record struct KafkaRecord(
    string Topic,
    int Partition,
    long Offset,
    long Timestamp,
    ReadOnlyMemory<byte>? Key,
    ReadOnlyMemory<byte>? Value,
    IReadOnlyList<KafkaHeader>? Headers = null);
