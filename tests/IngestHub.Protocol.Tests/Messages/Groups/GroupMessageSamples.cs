using IngestHub.Protocol.Messages;

namespace IngestHub.Protocol.Tests.Messages.Groups;

/// <summary>
/// One message per type and version, with a non-default value in every field that version carries and
/// the type's defaults in every field it lacks (so a round trip must reproduce it exactly).
/// </summary>
internal static class GroupMessageSamples
{
    private static ReadOnlyMemory<byte> Bytes(params byte[] bytes) => bytes;

    public static FindCoordinatorRequest FindCoordinatorRequest(short v) => new()
    {
        Key = "orders-consumers",
        KeyType = v >= 1 ? (sbyte)1 : (sbyte)0,
    };

    public static FindCoordinatorResponse FindCoordinatorResponse(short v) => new()
    {
        ThrottleTimeMs = v >= 1 ? 120 : 0,
        ErrorCode = ErrorCode.CoordinatorLoadInProgress,
        ErrorMessage = v >= 1 ? "loading" : null,
        NodeId = 7,
        Host = "broker-7.local",
        Port = 9093,
    };

    public static JoinGroupRequest JoinGroupRequest(short v) => new()
    {
        GroupId = "orders-consumers",
        SessionTimeoutMs = 45000,
        RebalanceTimeoutMs = v >= 1 ? 300000 : -1,
        MemberId = "rdkafka-1f2e",
        GroupInstanceId = v >= 5 ? "host-a" : null,
        ProtocolType = "consumer",
        Protocols =
        [
            new() { Name = "range", Metadata = Bytes(0, 1, 2, 3) },
            new() { Name = "roundrobin", Metadata = Bytes(9) },
        ],
    };

    public static JoinGroupResponse JoinGroupResponse(short v) => new()
    {
        ThrottleTimeMs = v >= 2 ? 5 : 0,
        ErrorCode = ErrorCode.RebalanceInProgress,
        GenerationId = 12,
        ProtocolName = "range",
        Leader = "member-a",
        MemberId = "member-b",
        Members =
        [
            new() { MemberId = "member-a", GroupInstanceId = v >= 5 ? "host-a" : null, Metadata = Bytes(1, 2) },
            new() { MemberId = "member-b", GroupInstanceId = v >= 5 ? "host-b" : null, Metadata = Bytes(3) },
        ],
    };

    public static SyncGroupRequest SyncGroupRequest(short v) => new()
    {
        GroupId = "orders-consumers",
        GenerationId = 12,
        MemberId = "member-a",
        GroupInstanceId = v >= 3 ? "host-a" : null,
        Assignments =
        [
            new() { MemberId = "member-a", Bytes = Bytes(0, 0, 0, 0, 0, 1) },
            new() { MemberId = "member-b", Bytes = Bytes(7) },
        ],
    };

    public static SyncGroupResponse SyncGroupResponse(short v) => new()
    {
        ThrottleTimeMs = v >= 1 ? 9 : 0,
        ErrorCode = ErrorCode.IllegalGeneration,
        Assignment = Bytes(0, 0, 0, 0, 0, 0),
    };

    public static HeartbeatRequest HeartbeatRequest(short v) => new()
    {
        GroupId = "orders-consumers",
        GenerationId = 12,
        MemberId = "member-a",
        GroupInstanceId = v >= 3 ? "host-a" : null,
    };

    public static HeartbeatResponse HeartbeatResponse(short v) => new()
    {
        ThrottleTimeMs = v >= 1 ? 3 : 0,
        ErrorCode = ErrorCode.RebalanceInProgress,
    };

    public static LeaveGroupRequest LeaveGroupRequest(short v) => new()
    {
        GroupId = "orders-consumers",
        MemberId = v <= 2 ? "member-a" : "",
        Members = v >= 3
            ? [new() { MemberId = "member-a", GroupInstanceId = "host-a" }, new() { MemberId = "member-b", GroupInstanceId = "host-b" }]
            : [],
    };

    public static LeaveGroupResponse LeaveGroupResponse(short v) => new()
    {
        ThrottleTimeMs = v >= 1 ? 4 : 0,
        ErrorCode = ErrorCode.UnknownMemberId,
        Members = v >= 3
            ? [new() { MemberId = "member-a", GroupInstanceId = "host-a", ErrorCode = ErrorCode.FencedInstanceId }]
            : [],
    };

    public static OffsetCommitRequest OffsetCommitRequest(short v) => new()
    {
        GroupId = "orders-consumers",
        GenerationId = v >= 1 ? 12 : -1,
        MemberId = v >= 1 ? "member-a" : "",
        GroupInstanceId = v >= 7 ? "host-a" : null,
        RetentionTimeMs = v is >= 2 and <= 4 ? 86_400_000L : -1,
        Topics =
        [
            new()
            {
                Name = "logs",
                Partitions =
                [
                    new()
                    {
                        PartitionIndex = 3,
                        CommittedOffset = 1L << 40,
                        CommittedLeaderEpoch = v >= 6 ? 5 : -1,
                        CommitTimestamp = v == 1 ? 1_700_000_000_000L : -1,
                        CommittedMetadata = "worker-1",
                    },
                    new() { PartitionIndex = 4, CommittedOffset = 17, CommittedLeaderEpoch = v >= 6 ? 6 : -1, CommitTimestamp = v == 1 ? 2 : -1, CommittedMetadata = null },
                ],
            },
            new() { Name = "audit", Partitions = [] },
        ],
    };

    public static OffsetCommitResponse OffsetCommitResponse(short v) => new()
    {
        ThrottleTimeMs = v >= 3 ? 8 : 0,
        Topics =
        [
            new()
            {
                Name = "logs",
                Partitions = [new() { PartitionIndex = 3, ErrorCode = ErrorCode.OffsetMetadataTooLarge }, new() { PartitionIndex = 4, ErrorCode = ErrorCode.None }],
            },
        ],
    };

    public static OffsetFetchRequest OffsetFetchRequest(short v) => new()
    {
        GroupId = "orders-consumers",
        Topics = [new() { Name = "logs", PartitionIndexes = [0, 1, 7] }, new() { Name = "audit", PartitionIndexes = [2] }],
    };

    public static OffsetFetchResponse OffsetFetchResponse(short v) => new()
    {
        ThrottleTimeMs = v >= 3 ? 2 : 0,
        Topics =
        [
            new()
            {
                Name = "logs",
                Partitions =
                [
                    new() { PartitionIndex = 0, CommittedOffset = 42, CommittedLeaderEpoch = v >= 5 ? 3 : -1, Metadata = "m", ErrorCode = ErrorCode.UnknownTopicOrPartition },
                    new() { PartitionIndex = 1, CommittedOffset = -1, CommittedLeaderEpoch = -1, Metadata = null, ErrorCode = ErrorCode.None },
                ],
            },
        ],
        ErrorCode = v >= 2 ? ErrorCode.NotCoordinator : ErrorCode.None,
    };

    public static ListGroupsRequest ListGroupsRequest(short v) => new();

    public static ListGroupsResponse ListGroupsResponse(short v) => new()
    {
        ThrottleTimeMs = v >= 1 ? 6 : 0,
        ErrorCode = ErrorCode.CoordinatorNotAvailable,
        Groups = [new() { GroupId = "orders-consumers", ProtocolType = "consumer" }, new() { GroupId = "connect", ProtocolType = "connect" }],
    };

    public static DescribeGroupsRequest DescribeGroupsRequest(short v) => new()
    {
        Groups = ["orders-consumers", "audit"],
        IncludeAuthorizedOperations = v >= 3,
    };

    public static DescribeGroupsResponse DescribeGroupsResponse(short v) => new()
    {
        ThrottleTimeMs = v >= 1 ? 11 : 0,
        Groups =
        [
            new()
            {
                ErrorCode = ErrorCode.GroupAuthorizationFailed,
                GroupId = "orders-consumers",
                GroupState = "Stable",
                ProtocolType = "consumer",
                ProtocolData = "range",
                Members =
                [
                    new()
                    {
                        MemberId = "member-a",
                        GroupInstanceId = v >= 4 ? "host-a" : null,
                        ClientId = "rdkafka",
                        ClientHost = "/10.0.0.5",
                        MemberMetadata = Bytes(0, 1),
                        MemberAssignment = Bytes(0, 2, 3),
                    },
                ],
                AuthorizedOperations = v >= 3 ? 0b1011_1000 : int.MinValue,
            },
            new() { GroupId = "gone", GroupState = "Dead", Members = [], AuthorizedOperations = v >= 3 ? 8 : int.MinValue },
        ],
    };
}
