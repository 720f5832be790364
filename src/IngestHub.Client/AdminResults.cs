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

/// <summary>A group's position in one partition: committed offset (-1 when none), log start and end offsets, and lag.
/// The one definition of consumer lag that monitoring, the autoscaler and the CLI share.</summary>
public sealed record PartitionLag(string Topic, int Partition, long CommittedOffset, long EndOffset, long LogStartOffset = 0)
{
    /// <summary>end − committed (never negative); with nothing committed, every record still in the log counts
    /// (end − log start), which is what a consumer starting from the earliest offset has to read. 0 while the end
    /// offset is unknown.</summary>
    public long Lag => EndOffset < 0 ? 0
        : CommittedOffset < 0 ? Math.Max(EndOffset - Math.Max(LogStartOffset, 0), 0)
        : Math.Max(EndOffset - CommittedOffset, 0);
}
