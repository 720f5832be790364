namespace IngestHub.Client;

/// <summary>A topic to create.</summary>
public sealed record NewTopic(string Name, int NumPartitions = -1, short ReplicationFactor = -1, IReadOnlyDictionary<string, string>? Configs = null);

/// <summary>One configuration entry of a resource.</summary>
public sealed record ConfigEntry(string Name, string? Value, bool IsDefault, bool IsSensitive);

/// <summary>A group as ListGroups reports it.</summary>
public sealed record GroupListing(string GroupId, string ProtocolType);

/// <summary>A member of a described group with its assigned partitions (for the consumer protocol).</summary>
public sealed record GroupMemberDescription(string MemberId, string? GroupInstanceId, string ClientId, string ClientHost, IReadOnlyList<TopicPartition> Assignment);

/// <summary>A group as DescribeGroups reports it.</summary>
public sealed record GroupDescription(string GroupId, string State, string ProtocolType, string Protocol, IReadOnlyList<GroupMemberDescription> Members);

/// <summary>A group's position in one partition: committed offset (-1 when none), log end offset and lag.</summary>
public sealed record PartitionLag(string Topic, int Partition, long CommittedOffset, long EndOffset)
{
    /// <summary>end − committed; with nothing committed, the whole partition counts (end − 0 is not known, so end).</summary>
    public long Lag => CommittedOffset < 0 ? EndOffset : Math.Max(EndOffset - CommittedOffset, 0);
}
