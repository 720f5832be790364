namespace IngestHub.Broker.Groups;

/// <summary>A point-in-time view of one group for the dashboard and the autoscaler.</summary>
public sealed record GroupDescription(
    string GroupId,
    GroupState State,
    string ProtocolType,
    string Protocol,
    int GenerationId,
    IReadOnlyList<GroupMemberDescription> Members,
    IReadOnlyList<GroupPartitionLag> Partitions);
