namespace IngestHub.Broker.Groups.OffsetsTopic;

/// <summary>Value of a group metadata record (key version 2; value versions 0–4, this broker writes 3): the group's
/// generation, protocol, leader and members with their subscription and assignment.</summary>
public sealed record GroupMetadataValue(string ProtocolType, int Generation, string? Protocol, string? Leader, long CurrentStateTimestamp,
    IReadOnlyList<GroupMetadataMember> Members);

/// <summary>One member in a <see cref="GroupMetadataValue"/>.</summary>
public sealed record GroupMetadataMember(string MemberId, string? GroupInstanceId, string ClientId, string ClientHost, int RebalanceTimeout,
    int SessionTimeout, ReadOnlyMemory<byte> Subscription, ReadOnlyMemory<byte> Assignment);
