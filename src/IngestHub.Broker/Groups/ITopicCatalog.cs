namespace IngestHub.Broker.Groups;

/// <summary>The topics the coordinator assigns to consumer-protocol groups: their ids and partition counts.</summary>
public interface ITopicCatalog
{
    /// <summary>The topic's id and partition count, or false when it does not exist.</summary>
    bool TryGetTopic(string name, out Guid topicId, out int partitions);

    /// <summary>The name of the topic with this id, or null.</summary>
    string? TopicName(Guid topicId);
}
