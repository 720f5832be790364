namespace IngestHub.Client;

/// <summary>Where a produced record was written. Offset is -1 with acks=0.</summary>
public sealed record DeliveryResult(string Topic, int Partition, long Offset, long Timestamp)
{
    public TopicPartitionOffset TopicPartitionOffset => new(Topic, Partition, Offset);
}
