using IngestHub.Broker.Groups;

namespace IngestHub.Broker.Logs;

/// <summary>Topic ids and partition counts for server-side assignment, read from the topic registry.</summary>
public sealed class RegistryTopicCatalog(TopicRegistry topics) : ITopicCatalog
{
    public bool TryGetTopic(string name, out Guid topicId, out int partitions)
    {
        if (topics.TryGetTopic(name, out var topic))
        {
            (topicId, partitions) = (topic.TopicId, topic.Partitions.Count);
            return true;
        }
        (topicId, partitions) = (Guid.Empty, 0);
        return false;
    }

    public string? TopicName(Guid topicId) => topics.TryGetTopic(topicId, out var topic) ? topic.Name : null;
}
