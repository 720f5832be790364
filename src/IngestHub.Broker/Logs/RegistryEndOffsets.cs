using IngestHub.Broker.Groups;

namespace IngestHub.Broker.Logs;

/// <summary>Log end offsets for the group coordinator's lag figures, read from the topic registry.</summary>
public sealed class RegistryEndOffsets(TopicRegistry topics) : IPartitionEndOffsets
{
    public long? LogEndOffset(string topic, int partition) => topics.Partition(topic, partition)?.Log.HighWatermark;
}
