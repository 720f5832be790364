namespace IngestHub.Broker.Groups;

/// <summary>What the coordinator needs to know about partitions: whether one exists and where its log ends.</summary>
public interface IPartitionEndOffsets
{
    /// <summary>The log end offset (next offset to be written), or null when the topic or partition does not exist.</summary>
    long? LogEndOffset(string topic, int partition);
}
