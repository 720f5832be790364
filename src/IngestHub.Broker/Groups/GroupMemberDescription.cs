namespace IngestHub.Broker.Groups;

/// <summary>One member of a group. Assigned partitions are decoded only for the "consumer" protocol type.</summary>
public sealed record GroupMemberDescription(
    string MemberId,
    string? GroupInstanceId,
    string ClientId,
    string ClientHost,
    IReadOnlyList<GroupPartition> AssignedPartitions);
