using System.Text;
using IngestHub.Protocol.Messages;
using Xunit;

namespace IngestHub.Protocol.Tests.Messages.Groups;

/// <summary>Bytes assembled by hand from the Kafka message specs, field by field.</summary>
public class GroupMessageGoldenBytesTests
{
    private static readonly byte[] JoinGroupV0Request =
    [
        0x00, 0x01, (byte)'g',                          // group_id "g"
        0x00, 0x00, 0x75, 0x30,                         // session_timeout_ms 30000
        0x00, 0x00,                                     // member_id ""
        0x00, 0x08, .. "consumer"u8,                    // protocol_type
        0x00, 0x00, 0x00, 0x01,                         // protocols: 1
        0x00, 0x05, .. "range"u8,                       //   name
        0x00, 0x00, 0x00, 0x02, 0x01, 0x02,             //   metadata (2 bytes)
    ];

    private static readonly byte[] SyncGroupV0Response =
    [
        0x00, 0x1B,                                     // error_code 27 REBALANCE_IN_PROGRESS
        0x00, 0x00, 0x00, 0x03, 0xAA, 0xBB, 0xCC,       // assignment (3 bytes)
    ];

    [Fact]
    public void JoinGroup_v0_request_decodes_from_spec_bytes()
    {
        var (request, consumed) = GroupMessageCase.DecodeMessage<JoinGroupRequest>(JoinGroupV0Request, 0);

        Assert.Equal(JoinGroupV0Request.Length, consumed);
        Assert.Equal("g", request.GroupId);
        Assert.Equal(30000, request.SessionTimeoutMs);
        Assert.Equal(-1, request.RebalanceTimeoutMs);
        Assert.Equal("", request.MemberId);
        Assert.Null(request.GroupInstanceId);
        Assert.Equal("consumer", request.ProtocolType);
        var protocol = Assert.Single(request.Protocols);
        Assert.Equal("range", protocol.Name);
        Assert.Equal([0x01, 0x02], protocol.Metadata.ToArray());
    }

    [Fact]
    public void JoinGroup_v0_request_encodes_to_spec_bytes()
    {
        var request = new JoinGroupRequest
        {
            GroupId = "g",
            SessionTimeoutMs = 30000,
            RebalanceTimeoutMs = 60000, // not in v0: must be left out
            MemberId = "",
            GroupInstanceId = "ignored-before-v5",
            ProtocolType = "consumer",
            Protocols = [new() { Name = "range", Metadata = new byte[] { 0x01, 0x02 } }],
        };

        Assert.Equal(JoinGroupV0Request, GroupMessageCase.EncodeMessage(request, 0));
    }

    [Fact]
    public void Decoded_bytes_are_slices_of_the_frame_not_copies()
    {
        var frame = JoinGroupV0Request.AsMemory();
        var (request, _) = GroupMessageCase.DecodeMessage<JoinGroupRequest>(frame, 0);

        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(request.Protocols[0].Metadata, out var segment));
        Assert.Same(JoinGroupV0Request, segment.Array);
        Assert.Equal(JoinGroupV0Request.Length - 2, segment.Offset);
    }

    [Fact]
    public void SyncGroup_v0_response_round_trips_spec_bytes()
    {
        var (response, consumed) = GroupMessageCase.DecodeMessage<SyncGroupResponse>(SyncGroupV0Response, 0);

        Assert.Equal(SyncGroupV0Response.Length, consumed);
        Assert.Equal(ErrorCode.RebalanceInProgress, response.ErrorCode);
        Assert.Equal(0, response.ThrottleTimeMs);
        Assert.Equal([0xAA, 0xBB, 0xCC], response.Assignment.ToArray());
        Assert.Equal(SyncGroupV0Response, GroupMessageCase.EncodeMessage(response, 0));
    }

    [Theory]
    [InlineData(0, 0)]      // neither
    [InlineData(1, 8 * 2)]  // commit_timestamp per partition
    [InlineData(2, 8)]      // retention_time_ms
    [InlineData(4, 8)]
    [InlineData(5, 0)]
    public void OffsetCommit_request_carries_timestamp_only_in_v1_and_retention_only_in_v2_to_v4(short version, int extraBytes)
    {
        var request = GroupMessageSamples.OffsetCommitRequest(1);
        request.RetentionTimeMs = 1000;
        // v0 lacks generation and member id; every other version here has the same v1 header.
        int header = version == 0 ? 0 : 4 + 2 + Encoding.UTF8.GetByteCount(request.MemberId);
        int v0Length = GroupMessageCase.EncodeMessage(request, 0).Length;

        Assert.Equal(v0Length + header + extraBytes, GroupMessageCase.EncodeMessage(request, version).Length);
    }

    [Fact]
    public void OffsetFetch_request_null_topics_means_all_from_v2_and_is_malformed_before()
    {
        byte[] allTopics = [0x00, 0x01, (byte)'g', 0xFF, 0xFF, 0xFF, 0xFF];

        var (request, _) = GroupMessageCase.DecodeMessage<OffsetFetchRequest>(allTopics, 2);
        Assert.Null(request.Topics);
        Assert.Equal(allTopics, GroupMessageCase.EncodeMessage(request, 2));
        Assert.Throws<Protocol.Primitives.MalformedMessageException>(() => GroupMessageCase.DecodeMessage<OffsetFetchRequest>(allTopics, 1));
    }

    [Fact]
    public void Hostile_array_count_is_rejected_before_allocating()
    {
        byte[] bytes = [0x00, 0x1B, 0x7F, 0xFF, 0xFF, 0xFF]; // ListGroups v0: error, then 2^31-1 groups
        Assert.Throws<Protocol.Primitives.MalformedMessageException>(() => GroupMessageCase.DecodeMessage<ListGroupsResponse>(bytes, 0));
    }
}
