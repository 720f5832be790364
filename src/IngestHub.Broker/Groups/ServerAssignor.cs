namespace IngestHub.Broker.Groups;

/// <summary>
/// The coordinator's assignors for consumer-protocol groups. <c>uniform</c> spreads every subscribed partition
/// so member loads differ by at most one among those subscribing to it, keeping a member's current partitions
/// where that stays balanced; <c>range</c> gives each member a contiguous range of every topic it subscribes
/// to, as the classic range assignor does. Both are deterministic for the same input.
/// </summary>
public static class ServerAssignor
{
    public const string Uniform = "uniform";
    public const string Range = "range";

    public static bool IsKnown(string name) => name is Uniform or Range;

    /// <summary>Member id → its subscribed topics and current partitions; topic → partition count.</summary>
    public static Dictionary<string, HashSet<GroupPartition>> Assign(string assignor,
        IReadOnlyDictionary<string, (IReadOnlyList<string> Topics, IReadOnlySet<GroupPartition> Current)> members,
        IReadOnlyDictionary<string, int> partitionCounts)
    {
        var result = new Dictionary<string, HashSet<GroupPartition>>(StringComparer.Ordinal);
        foreach (var id in members.Keys)
            result[id] = [];
        var topics = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (_, member) in members)
            foreach (var topic in member.Topics)
                if (partitionCounts.ContainsKey(topic))
                    topics.Add(topic);
        foreach (var topic in topics)
        {
            var subscribers = members.Where(m => m.Value.Topics.Contains(topic)).Select(m => m.Key).Order(StringComparer.Ordinal).ToList();
            int count = partitionCounts[topic];
            if (assignor == Range)
                AssignRange(topic, count, subscribers, result);
            else
                AssignUniform(topic, count, subscribers, members, result);
        }
        return result;
    }

    private static void AssignRange(string topic, int count, List<string> subscribers, Dictionary<string, HashSet<GroupPartition>> result)
    {
        int each = count / subscribers.Count, extra = count % subscribers.Count, next = 0;
        for (int i = 0; i < subscribers.Count; i++)
        {
            int take = each + (i < extra ? 1 : 0);
            for (int p = 0; p < take; p++)
                result[subscribers[i]].Add(new GroupPartition(topic, next++));
        }
    }

    private static void AssignUniform(string topic, int count, List<string> subscribers,
        IReadOnlyDictionary<string, (IReadOnlyList<string> Topics, IReadOnlySet<GroupPartition> Current)> members,
        Dictionary<string, HashSet<GroupPartition>> result)
    {
        // Quotas: every subscriber gets count / n, the first count % n (by current load, then id) one more.
        int each = count / subscribers.Count, extra = count % subscribers.Count;
        var ordered = subscribers.OrderBy(s => result[s].Count).ThenBy(s => s, StringComparer.Ordinal).ToList();
        var quota = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < ordered.Count; i++)
            quota[ordered[i]] = each + (i < extra ? 1 : 0);
        var taken = new Dictionary<string, int>(StringComparer.Ordinal);
        var unassigned = new List<int>();
        for (int p = 0; p < count; p++)
        {
            var partition = new GroupPartition(topic, p);
            string? owner = subscribers.FirstOrDefault(s => members[s].Current.Contains(partition) && taken.GetValueOrDefault(s) < quota[s]);
            if (owner is null)
            {
                unassigned.Add(p);
                continue;
            }
            result[owner].Add(partition);
            taken[owner] = taken.GetValueOrDefault(owner) + 1;
        }
        foreach (int p in unassigned)
        {
            string member = ordered.First(s => taken.GetValueOrDefault(s) < quota[s]);
            result[member].Add(new GroupPartition(topic, p));
            taken[member] = taken.GetValueOrDefault(member) + 1;
        }
    }
}
