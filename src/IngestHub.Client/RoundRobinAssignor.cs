namespace IngestHub.Client;

/// <summary>All partitions of all subscribed topics, sorted by topic then partition, dealt in turn to the sorted
/// members, skipping members not subscribed to a partition's topic (Kafka's RoundRobinAssignor).</summary>
public sealed class RoundRobinAssignor : IPartitionAssignor
{
    public string Name => "roundrobin";

    public IReadOnlyDictionary<string, List<TopicPartition>> Assign(
        IReadOnlyDictionary<string, IReadOnlyList<string>> subscriptions, IReadOnlyDictionary<string, int> partitionCounts)
    {
        var result = new Dictionary<string, List<TopicPartition>>();
        var members = new List<string>(subscriptions.Keys);
        members.Sort(StringComparer.Ordinal);
        var topics = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var member in members)
        {
            result[member] = [];
            topics.UnionWith(subscriptions[member]);
        }
        if (members.Count == 0)
            return result;
        int next = 0;
        foreach (string topic in topics)
        {
            if (!partitionCounts.TryGetValue(topic, out int partitions))
                continue;
            for (int p = 0; p < partitions; p++)
            {
                for (int tries = 0; tries < members.Count; tries++)
                {
                    string member = members[next];
                    next = (next + 1) % members.Count;
                    if (subscriptions[member].Contains(topic))
                    {
                        result[member].Add(new TopicPartition(topic, p));
                        break;
                    }
                }
            }
        }
        return result;
    }
}
