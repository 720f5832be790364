namespace IngestHub.Broker.Groups.OffsetsTopic;

/// <summary>Key of a consumer-protocol (KIP-848) group record in <c>__consumer_offsets</c>: the key version names the
/// record type (<see cref="ConsumerGroupRecordType"/>); member records also carry the member id.</summary>
public sealed record ConsumerGroupRecordKey(short Type, string Group, string? MemberId = null);

/// <summary>Kafka's key versions of the consumer group records.</summary>
public static class ConsumerGroupRecordType
{
    /// <summary>ConsumerGroupMetadata: the group epoch.</summary>
    public const short Metadata = 3;
    /// <summary>ConsumerGroupPartitionMetadata: the subscribed topics' metadata (read and skipped; not written).</summary>
    public const short PartitionMetadata = 4;
    /// <summary>ConsumerGroupMemberMetadata: one member's client, subscription and assignor.</summary>
    public const short MemberMetadata = 5;
    /// <summary>ConsumerGroupTargetAssignmentMetadata: the epoch of the target assignment.</summary>
    public const short TargetAssignmentMetadata = 6;
    /// <summary>ConsumerGroupTargetAssignmentMember: one member's target partitions.</summary>
    public const short TargetAssignmentMember = 7;
    /// <summary>ConsumerGroupCurrentMemberAssignment: one member's epochs, owned partitions and pending revocations.</summary>
    public const short CurrentMemberAssignment = 8;

    public static bool IsMemberRecord(short type) => type is MemberMetadata or TargetAssignmentMember or CurrentMemberAssignment;
}

/// <summary>Partitions of one topic, named by topic id as Kafka's records name them.</summary>
public sealed record TopicIdPartitions(Guid TopicId, IReadOnlyList<int> Partitions);

/// <summary>Value of ConsumerGroupMetadata (version 0).</summary>
public sealed record ConsumerGroupMetadataValue(int Epoch);

/// <summary>Value of ConsumerGroupMemberMetadata (version 0); the classic-member tagged field is not written.</summary>
public sealed record ConsumerGroupMemberMetadataValue(string? InstanceId, string? RackId, string ClientId, string ClientHost,
    IReadOnlyList<string> SubscribedTopicNames, string? SubscribedTopicRegex, int RebalanceTimeoutMs, string? ServerAssignor);

/// <summary>Value of ConsumerGroupTargetAssignmentMetadata (version 0).</summary>
public sealed record ConsumerGroupTargetAssignmentMetadataValue(int AssignmentEpoch);

/// <summary>Value of ConsumerGroupTargetAssignmentMember (version 0).</summary>
public sealed record ConsumerGroupTargetAssignmentMemberValue(IReadOnlyList<TopicIdPartitions> TopicPartitions);

/// <summary>Value of ConsumerGroupCurrentMemberAssignment (version 0). <see cref="State"/> is Kafka's MemberState:
/// 0 stable, 1 unrevoked partitions (it must give some up), 2 unreleased partitions (it waits for some that others
/// still hold).</summary>
public sealed record ConsumerGroupCurrentMemberAssignmentValue(int MemberEpoch, int PreviousMemberEpoch, sbyte State,
    IReadOnlyList<TopicIdPartitions> AssignedPartitions, IReadOnlyList<TopicIdPartitions> PartitionsPendingRevocation)
{
    public const sbyte Stable = 0;
    public const sbyte UnrevokedPartitions = 1;
    public const sbyte UnreleasedPartitions = 2;
}
