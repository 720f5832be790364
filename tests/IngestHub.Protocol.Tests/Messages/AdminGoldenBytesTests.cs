using System.Text;
using IngestHub.Protocol.Messages;
using Xunit;

namespace IngestHub.Protocol.Tests.Messages;

/// <summary>Bodies of the admin messages (DescribeCluster, DeleteGroups, OffsetDelete, DeleteRecords,
/// IncrementalAlterConfigs, AlterConfigs, OffsetForLeaderEpoch, DescribeLogDirs, DescribeProducers) assembled by
/// hand from the protocol specification, compared byte for byte in both directions.</summary>
public sealed class AdminGoldenBytesTests
{
    [Fact]
    public void DescribeCluster_v1_response_matches_the_specified_layout()
    {
        byte[] body = Concat(
            [0, 0, 0, 0], [0, 0], [0x00], // throttle, error, error message null
            [0x01], // endpoint type 1 (brokers)
            [0x03], Ascii("c1"), // cluster id
            [0, 0, 0, 1], // controller 1
            [0x02], [0, 0, 0, 1], [0x02], Ascii("h"), [0, 0, 0x23, 0x84], [0x00], [0x00], // broker 1 h:9092, rack null, tags
            [0x80, 0, 0, 0], // authorized operations int.MinValue
            [0x00]);
        var response = new DescribeClusterResponse { ClusterId = "c1", ControllerId = 1, EndpointType = 1 };
        response.Brokers.Add(new DescribeClusterResponse.Broker { BrokerId = 1, Host = "h", Port = 9092 });
        Assert.Equal(body, MessageCodec.Encode(response, 1));
        var decoded = MessageCodec.Decode<DescribeClusterResponse>(body, 1);
        Assert.Equal(("c1", 1, 9092), (decoded.ClusterId, decoded.ControllerId, decoded.Brokers[0].Port));
    }

    [Fact]
    public void DeleteGroups_v1_and_v2_requests_match_the_specified_layout()
    {
        var request = new DeleteGroupsRequest { GroupNames = ["g1", "g2"] };
        byte[] v1 = Concat([0, 0, 0, 2], [0, 2], Ascii("g1"), [0, 2], Ascii("g2"));
        byte[] v2 = Concat([0x03], [0x03], Ascii("g1"), [0x03], Ascii("g2"), [0x00]);
        Assert.Equal(v1, MessageCodec.Encode(request, 1));
        Assert.Equal(v2, MessageCodec.Encode(request, 2));
        Assert.Equal(["g1", "g2"], MessageCodec.Decode<DeleteGroupsRequest>(v2, 2).GroupNames);
    }

    [Fact]
    public void DeleteGroups_v2_response_matches_the_specified_layout()
    {
        byte[] body = Concat([0, 0, 0, 0], [0x02], [0x03], Ascii("g1"), [0, 68], [0x00], [0x00]); // NON_EMPTY_GROUP
        var response = new DeleteGroupsResponse();
        response.Results.Add(new DeleteGroupsResponse.Result { GroupId = "g1", ErrorCode = ErrorCode.NonEmptyGroup });
        Assert.Equal(body, MessageCodec.Encode(response, 2));
        Assert.Equal(ErrorCode.NonEmptyGroup, MessageCodec.Decode<DeleteGroupsResponse>(body, 2).Results[0].ErrorCode);
    }

    [Fact]
    public void OffsetDelete_v0_request_and_response_match_the_specified_layout()
    {
        byte[] requestBody = Concat([0, 1], Ascii("g"), [0, 0, 0, 1], [0, 1], Ascii("t"), [0, 0, 0, 1], [0, 0, 0, 3]);
        var request = new OffsetDeleteRequest { GroupId = "g" };
        request.Topics.Add(new OffsetDeleteRequest.Topic { Name = "t", Partitions = [new() { PartitionIndex = 3 }] });
        Assert.Equal(requestBody, MessageCodec.Encode(request, 0));

        // Error first, then throttle: OffsetDelete is the one response that starts with its error code.
        byte[] responseBody = Concat([0, 0], [0, 0, 0, 0], [0, 0, 0, 1], [0, 1], Ascii("t"), [0, 0, 0, 1], [0, 0, 0, 3], [0, 86]);
        var decoded = MessageCodec.Decode<OffsetDeleteResponse>(responseBody, 0);
        Assert.Equal(ErrorCode.GroupSubscribedToTopic, decoded.Topics[0].Partitions[0].ErrorCode);
        Assert.Equal(responseBody, MessageCodec.Encode(decoded, 0));
    }

    [Fact]
    public void DeleteRecords_v2_request_and_response_match_the_specified_layout()
    {
        byte[] requestBody = Concat([0x02], [0x02], Ascii("t"), [0x02], [0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 12], [0x00], [0x00], [0, 0, 0x75, 0x30], [0x00]);
        var request = new DeleteRecordsRequest { TimeoutMs = 30_000 };
        request.Topics.Add(new DeleteRecordsRequest.Topic { Name = "t", Partitions = [new() { PartitionIndex = 0, Offset = 12 }] });
        Assert.Equal(requestBody, MessageCodec.Encode(request, 2));

        byte[] responseBody = Concat([0, 0, 0, 0], [0x02], [0x02], Ascii("t"), [0x02], [0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 12], [0, 0], [0x00], [0x00], [0x00]);
        var decoded = MessageCodec.Decode<DeleteRecordsResponse>(responseBody, 2);
        Assert.Equal(12, decoded.Topics[0].Partitions[0].LowWatermark);
        Assert.Equal(responseBody, MessageCodec.Encode(decoded, 2));
    }

    [Fact]
    public void IncrementalAlterConfigs_v1_request_and_v0_response_match_the_specified_layout()
    {
        byte[] requestBody = Concat(
            [0x02], [0x02], [0x02], Ascii("t"), // 1 resource: type 2 (topic) "t"
            [0x03], [0x0D], Ascii("retention.ms"), [0x00], [0x03], Ascii("10"), [0x00], // SET retention.ms=10
            [0x0F], Ascii("cleanup.policy"), [0x01], [0x00], [0x00], // DELETE cleanup.policy (value null)
            [0x00], // resource tags
            [0x00], [0x00]); // validate only false, tags
        var request = new IncrementalAlterConfigsRequest();
        request.Resources.Add(new IncrementalAlterConfigsRequest.Resource
        {
            ResourceType = 2, ResourceName = "t",
            Configs = [new() { Name = "retention.ms", ConfigOperation = 0, Value = "10" }, new() { Name = "cleanup.policy", ConfigOperation = 1, Value = null }],
        });
        Assert.Equal(requestBody, MessageCodec.Encode(request, 1));
        var decoded = MessageCodec.Decode<IncrementalAlterConfigsRequest>(requestBody, 1);
        Assert.Null(decoded.Resources[0].Configs[1].Value);

        byte[] responseBody = Concat([0, 0, 0, 0], [0, 0, 0, 1], [0, 40], [0, 3], Ascii("bad"), [0x02], [0, 1], Ascii("t"));
        var response = MessageCodec.Decode<IncrementalAlterConfigsResponse>(responseBody, 0);
        Assert.Equal((ErrorCode.InvalidConfig, "bad"), (response.Responses[0].ErrorCode, response.Responses[0].ErrorMessage));
        Assert.Equal(responseBody, MessageCodec.Encode(response, 0));
    }

    [Fact]
    public void AlterConfigs_v0_request_matches_the_specified_layout()
    {
        byte[] body = Concat([0, 0, 0, 1], [0x04], [0, 1], Ascii("1"), [0, 0, 0, 1], [0, 3], Ascii("a.b"), [0, 1], Ascii("v"), [0x01]);
        var request = new AlterConfigsRequest { ValidateOnly = true };
        request.Resources.Add(new AlterConfigsRequest.Resource { ResourceType = 4, ResourceName = "1", Configs = [new() { Name = "a.b", Value = "v" }] });
        Assert.Equal(body, MessageCodec.Encode(request, 0));
        Assert.True(MessageCodec.Decode<AlterConfigsRequest>(body, 0).ValidateOnly);
    }

    [Fact]
    public void OffsetForLeaderEpoch_v3_request_and_v4_response_match_the_specified_layout()
    {
        byte[] requestBody = Concat([0xFF, 0xFF, 0xFF, 0xFF], [0, 0, 0, 1], [0, 1], Ascii("t"), [0, 0, 0, 1], [0, 0, 0, 0], [0, 0, 0, 2], [0, 0, 0, 1]);
        var request = new OffsetForLeaderEpochRequest { ReplicaId = -1 };
        request.Topics.Add(new OffsetForLeaderEpochRequest.Topic { Name = "t", Partitions = [new() { PartitionIndex = 0, CurrentLeaderEpoch = 2, LeaderEpoch = 1 }] });
        Assert.Equal(requestBody, MessageCodec.Encode(request, 3));

        byte[] responseBody = Concat([0, 0, 0, 0], [0x02], [0x02], Ascii("t"), [0x02], [0, 0], [0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0, 50], [0x00], [0x00], [0x00]);
        var decoded = MessageCodec.Decode<OffsetForLeaderEpochResponse>(responseBody, 4);
        Assert.Equal((1, 50L), (decoded.Topics[0].Partitions[0].LeaderEpoch, decoded.Topics[0].Partitions[0].EndOffset));
        Assert.Equal(responseBody, MessageCodec.Encode(decoded, 4));
    }

    [Fact]
    public void DescribeLogDirs_v4_response_matches_the_specified_layout()
    {
        byte[] body = Concat(
            [0, 0, 0, 0], [0, 0], // throttle, error (v3+)
            [0x02], [0, 0], [0x03], Ascii("/d"), // 1 dir, error 0, "/d"
            [0x02], [0x02], Ascii("t"), [0x02], [0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0x10, 0], [0, 0, 0, 0, 0, 0, 0, 0], [0x00], [0x00], [0x00], // t-1: 4096 bytes
            [0, 0, 0, 0, 0, 0, 0x20, 0], [0, 0, 0, 0, 0, 0, 0x08, 0], [0x00], // total 8192, usable 2048, tags
            [0x00]);
        var decoded = MessageCodec.Decode<DescribeLogDirsResponse>(body, 4);
        Assert.Equal((4096L, 8192L, 2048L), (decoded.Results[0].Topics[0].Partitions[0].PartitionSize, decoded.Results[0].TotalBytes, decoded.Results[0].UsableBytes));
        Assert.Equal(body, MessageCodec.Encode(decoded, 4));
    }

    [Fact]
    public void DescribeProducers_v0_response_matches_the_specified_layout()
    {
        byte[] body = Concat(
            [0, 0, 0, 0], [0x02], [0x02], Ascii("t"), [0x02], [0, 0, 0, 0], [0, 0], [0x00], // topic t, partition 0, no error
            [0x02], [0, 0, 0, 0, 0, 0, 0, 7], [0, 0, 0, 1], [0, 0, 0, 9], [0, 0, 0, 0, 0, 0, 0, 5], [0xFF, 0xFF, 0xFF, 0xFF], // producer 7 epoch 1 seq 9 ts 5 coordinator -1
            [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [0x00], // no open transaction, tags
            [0x00], [0x00], [0x00]);
        var decoded = MessageCodec.Decode<DescribeProducersResponse>(body, 0);
        var producer = decoded.Topics[0].Partitions[0].ActiveProducers[0];
        Assert.Equal((7L, 1, 9, 5L), (producer.ProducerId, producer.ProducerEpoch, producer.LastSequence, producer.LastTimestamp));
        Assert.Equal(body, MessageCodec.Encode(decoded, 0));
    }

    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
