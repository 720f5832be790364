namespace IngestHub.Client;

/// <summary>
/// Per topic: members subscribed to it sorted by id, M = ceil(P / C), member i takes partitions
/// i·M … (i+1)·M − 1 (so the last members may get fewer or none: P=7, C=3 gives 3/3/1).
/// Kafka's Java RangeAssignor instead spreads the remainder (3/2/2); any member accepts either.
/// </summary>
public sealed class RangeAssignor : IPartitionAssignor
{
    public string Name => "range";

    public IReadOnlyDictionary<string, List<TopicPartition>> Assign(
        IReadOnlyDictionary<string, IReadOnlyList<string>> subscriptions, IReadOnlyDictionary<string, int> partitionCounts)
    {
        var result = new Dictionary<string, List<TopicPartition>>();
        var membersByTopic = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (member, topics) in subscriptions)
        {
            result[member] = [];
            foreach (string topic in topics)
            {
                if (!membersByTopic.TryGetValue(topic, out var members))
                    membersByTopic[topic] = members = [];
                if (!members.Contains(member))
                    members.Add(member);
            }
        }
        foreach (var (topic, members) in membersByTopic)
        {
            if (!partitionCounts.TryGetValue(topic, out int partitions) || partitions <= 0)
                continue;
            members.Sort(StringComparer.Ordinal);
            int perMember = (partitions + members.Count - 1) / members.Count;
            for (int i = 0; i < members.Count; i++)
            {
                int end = Math.Min((i + 1) * perMember, partitions);
                for (int p = i * perMember; p < end; p++)
                    result[members[i]].Add(new TopicPartition(topic, p));
            }
        }
        return result;
    }
}
