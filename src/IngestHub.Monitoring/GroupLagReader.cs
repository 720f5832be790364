using IngestHub.Client;
using IngestHub.Protocol;

namespace IngestHub.Monitoring;

/// <summary>
/// Reads consumer groups and their lag through admin calls only — ListGroups, DescribeGroups, OffsetFetch, Metadata
/// and ListOffsets (earliest and latest) — so the embedded broker and an Apache Kafka cluster are watched alike.
/// Lag itself is <see cref="PartitionLag.Lag"/>.
/// </summary>
public sealed class GroupLagReader(KafkaAdminClient admin, TimeProvider time)
{
    /// <summary>Every group the cluster lists (Dead groups without offsets left out), ordered by id.</summary>
    public async Task<IReadOnlyList<GroupSnapshot>> ReadAllAsync(CancellationToken cancellationToken)
    {
        var listings = await admin.ListGroupsAsync(cancellationToken);
        if (listings.Count == 0)
            return [];
        var descriptions = await admin.DescribeGroupsAsync(listings.Select(g => g.GroupId), cancellationToken);
        var wanted = new List<(GroupDescription Group, Dictionary<TopicPartition, long> Committed, HashSet<TopicPartition> Partitions)>();
        foreach (var description in descriptions)
        {
            var committed = new Dictionary<TopicPartition, long>(await admin.ListGroupOffsetsAsync(description.GroupId, null, cancellationToken));
            var partitions = new HashSet<TopicPartition>(committed.Keys);
            foreach (var member in description.Members)
                partitions.UnionWith(member.Assignment);
            if (description.State == "Dead" && partitions.Count == 0)
                continue;
            wanted.Add((description, committed, partitions));
        }
        var topics = wanted.SelectMany(w => w.Partitions).Select(p => p.Topic).ToHashSet(StringComparer.Ordinal);
        var offsets = await ReadOffsetsAsync(topics, cancellationToken);
        var result = new List<GroupSnapshot>(wanted.Count);
        foreach (var (group, committed, partitions) in wanted)
            result.Add(Snapshot(group, committed, partitions, offsets));
        result.Sort((a, b) => string.CompareOrdinal(a.GroupId, b.GroupId));
        return result;
    }

    /// <summary>One group on every partition of <paramref name="topics"/> (committed or not), or on the partitions
    /// it has committed to or is assigned when <paramref name="topics"/> is null.</summary>
    public async Task<GroupSnapshot> ReadAsync(string groupId, IReadOnlyCollection<string>? topics, CancellationToken cancellationToken)
    {
        var description = await admin.DescribeGroupAsync(groupId, cancellationToken);
        var committed = new Dictionary<TopicPartition, long>(await admin.ListGroupOffsetsAsync(groupId, null, cancellationToken));
        HashSet<string> names;
        if (topics is null)
        {
            names = committed.Keys.Select(p => p.Topic).ToHashSet(StringComparer.Ordinal);
            foreach (var member in description.Members)
                names.UnionWith(member.Assignment.Select(p => p.Topic));
        }
        else
        {
            names = topics.ToHashSet(StringComparer.Ordinal);
        }
        var offsets = await ReadOffsetsAsync(names, cancellationToken);
        var partitions = new HashSet<TopicPartition>();
        if (topics is null)
        {
            partitions.UnionWith(committed.Keys);
            foreach (var member in description.Members)
                partitions.UnionWith(member.Assignment);
        }
        else
        {
            partitions.UnionWith(offsets.Keys.Where(p => names.Contains(p.Topic)));
        }
        return Snapshot(description, committed, partitions, offsets);
    }

    private GroupSnapshot Snapshot(GroupDescription group, Dictionary<TopicPartition, long> committed, HashSet<TopicPartition> partitions,
        Dictionary<TopicPartition, (long Start, long End)> offsets)
    {
        var lags = new List<PartitionLag>(partitions.Count);
        foreach (var tp in partitions)
        {
            // Offsets committed for a topic or partition that no longer exists are not lag.
            if (!offsets.TryGetValue(tp, out var range))
                continue;
            lags.Add(new PartitionLag(tp.Topic, tp.Partition, committed.GetValueOrDefault(tp, -1), range.End, range.Start));
        }
        lags.Sort((a, b) => a.Topic == b.Topic ? a.Partition.CompareTo(b.Partition) : string.CompareOrdinal(a.Topic, b.Topic));
        return new GroupSnapshot(group.GroupId, group.State, group.ProtocolType, group.Protocol, group.Members, lags, time.GetUtcNow().ToUnixTimeMilliseconds());
    }

    /// <summary>Log start and end offsets of every existing partition of <paramref name="topics"/>.</summary>
    private async Task<Dictionary<TopicPartition, (long Start, long End)>> ReadOffsetsAsync(IReadOnlyCollection<string> topics, CancellationToken cancellationToken)
    {
        var result = new Dictionary<TopicPartition, (long, long)>();
        if (topics.Count == 0)
            return result;
        var metadata = await admin.DescribeTopicsAsync(topics, cancellationToken);
        var partitions = new List<TopicPartition>();
        foreach (var topic in metadata.Topics.Values)
        {
            if (topic.Error != ErrorCode.None)
                continue;
            foreach (var p in topic.Partitions)
                partitions.Add(new TopicPartition(topic.Name, p.Partition));
        }
        if (partitions.Count == 0)
            return result;
        var starts = await admin.ListOffsetsAsync(partitions, KafkaAdminClient.Earliest, cancellationToken);
        var ends = await admin.ListOffsetsAsync(partitions, KafkaAdminClient.Latest, cancellationToken);
        foreach (var tp in partitions)
            if (ends.TryGetValue(tp, out long end))
                result[tp] = (starts.GetValueOrDefault(tp, 0), end);
        return result;
    }
}
