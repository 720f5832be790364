using IngestHub.Client;

namespace IngestHub.Monitoring;

/// <summary>A consumer group as read through the Kafka protocol at one instant: state and members (DescribeGroups),
/// and its position and lag on every partition it has committed to, is assigned, or was asked about.</summary>
public sealed record GroupSnapshot(
    string GroupId,
    string State,
    string ProtocolType,
    string Protocol,
    IReadOnlyList<GroupMemberDescription> Members,
    IReadOnlyList<PartitionLag> Partitions,
    long TimestampMs)
{
    public long TotalLag
    {
        get
        {
            long total = 0;
            foreach (var p in Partitions)
                total += p.Lag;
            return total;
        }
    }

    /// <summary>The member the partition is assigned to, if any.</summary>
    public GroupMemberDescription? OwnerOf(string topic, int partition)
    {
        foreach (var member in Members)
            foreach (var tp in member.Assignment)
                if (tp.Partition == partition && tp.Topic == topic)
                    return member;
        return null;
    }
}
