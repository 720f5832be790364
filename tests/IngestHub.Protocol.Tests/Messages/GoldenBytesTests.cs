using System.Text;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Primitives;
using Xunit;

namespace IngestHub.Protocol.Tests.Messages;

/// <summary>Frames assembled by hand from the protocol spec, compared byte for byte in both directions.</summary>
public sealed class GoldenBytesTests
{
    private static readonly byte[] ApiVersionsV0RequestFrame = Concat(
        [0x00, 0x00, 0x00, 0x0E], // size 14
        [0x00, 0x12, 0x00, 0x00], // api key 18, version 0
        [0x00, 0x00, 0x00, 0x01], // correlation id 1
        [0x00, 0x04], Ascii("kcat")); // client id, empty body

    private static readonly byte[] ApiVersionsV0ResponseFrame = Concat(
        [0x00, 0x00, 0x00, 0x16], // size 22
        [0x00, 0x00, 0x00, 0x01], // correlation id
        [0x00, 0x00], // error
        [0x00, 0x00, 0x00, 0x02], // 2 api keys
        [0x00, 0x00, 0x00, 0x03, 0x00, 0x08], // Produce 3-8
        [0x00, 0x12, 0x00, 0x00, 0x00, 0x03]); // ApiVersions 0-3

    private static readonly byte[] ApiVersionsV3RequestFrame = Concat(
        [0x00, 0x00, 0x00, 0x24], // size 36
        [0x00, 0x12, 0x00, 0x03], // api key 18, version 3 → header v2
        [0x00, 0x00, 0x00, 0x07], // correlation id
        [0x00, 0x07], Ascii("rdkafka"), // client id stays an int16-length string in header v2
        [0x00], // header tagged fields
        [0x0B], Ascii("librdkafka"), // compact string: length + 1
        [0x06], Ascii("2.0.2"),
        [0x00]); // body tagged fields

    private static readonly byte[] ApiVersionsV3ResponseFrame = Concat(
        [0x00, 0x00, 0x00, 0x13], // size 19
        [0x00, 0x00, 0x00, 0x07], // correlation id; header v0: no tagged fields even at v3
        [0x00, 0x00], // error
        [0x02], // compact array: 1 element
        [0x00, 0x12, 0x00, 0x00, 0x00, 0x03, 0x00], // ApiVersions 0-3 + element tagged fields
        [0x00, 0x00, 0x00, 0x00], // throttle
        [0x00]); // body tagged fields

    private static readonly byte[] MetadataV1RequestBody = Concat([0x00, 0x00, 0x00, 0x01], [0x00, 0x04], Ascii("logs"));

    private static readonly byte[] MetadataV1ResponseBody = Concat(
        [0x00, 0x00, 0x00, 0x01], // 1 broker
        [0x00, 0x00, 0x00, 0x01], [0x00, 0x01], Ascii("h"), [0x00, 0x00, 0x23, 0x84], [0xFF, 0xFF], // node 1, "h", 9092, rack null
        [0x00, 0x00, 0x00, 0x01], // controller id 1 (no cluster id before v2)
        [0x00, 0x00, 0x00, 0x01], // 1 topic
        [0x00, 0x00], [0x00, 0x01], Ascii("t"), [0x01], // error, name, is_internal
        [0x00, 0x00, 0x00, 0x01], // 1 partition
        [0x00, 0x00], [0x00, 0x00, 0x00, 0x00], [0x00, 0x00, 0x00, 0x01], // error, index 0, leader 1
        [0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01], // replicas [1]
        [0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01]); // isr [1]

    private static readonly byte[] ProduceV3RequestFrame = Concat(
        [0x00, 0x00, 0x00, 0x29], // size 41
        [0x00, 0x00, 0x00, 0x03], // api key 0, version 3
        [0x00, 0x00, 0x00, 0x2A], // correlation id 42
        [0x00, 0x01], Ascii("c"), // client id
        [0xFF, 0xFF], // transactional id null
        [0x00, 0x01], [0x00, 0x00, 0x03, 0xE8], // acks 1, timeout 1000
        [0x00, 0x00, 0x00, 0x01], [0x00, 0x01], Ascii("t"), // 1 topic "t"
        [0x00, 0x00, 0x00, 0x01], [0x00, 0x00, 0x00, 0x00], // 1 partition, index 0
        [0x00, 0x00, 0x00, 0x03, 0xAA, 0xBB, 0xCC]); // records

    [Fact]
    public void ApiVersions_v0_request_frame_matches_the_spec()
    {
        var header = new RequestHeader { ApiKey = ApiKey.ApiVersions, ApiVersion = 0, CorrelationId = 1, ClientId = "kcat" };
        Assert.Equal(ApiVersionsV0RequestFrame, RequestFrame(header, new ApiVersionsRequest()));

        var reader = new KafkaReader(ApiVersionsV0RequestFrame.AsMemory(4));
        var read = RequestHeader.Read(ref reader, out short headerVersion);
        ApiVersionsRequest.Read(ref reader, read.ApiVersion);
        Assert.Equal(1, headerVersion);
        Assert.Equal((ApiKey.ApiVersions, (short)0, 1, "kcat"), (read.ApiKey, read.ApiVersion, read.CorrelationId, read.ClientId));
        Assert.True(reader.End);
    }

    [Fact]
    public void ApiVersions_v0_response_frame_matches_the_spec()
    {
        var response = new ApiVersionsResponse
        {
            ApiKeys =
            [
                new() { ApiKey = ApiKey.Produce, MinVersion = 3, MaxVersion = 8 },
                new() { ApiKey = ApiKey.ApiVersions, MinVersion = 0, MaxVersion = 3 },
            ],
        };
        Assert.Equal(ApiVersionsV0ResponseFrame, ResponseFrame(1, response, 0));

        var decoded = MessageCodec.Decode<ApiVersionsResponse>(ApiVersionsV0ResponseFrame.AsMemory(8), 0);
        Assert.Equal(ErrorCode.None, decoded.ErrorCode);
        Assert.Equal([ApiKey.Produce, ApiKey.ApiVersions], decoded.ApiKeys.Select(k => k.ApiKey));
        Assert.Equal((short)8, decoded.ApiKeys[0].MaxVersion);
    }

    [Fact]
    public void ApiVersions_v3_request_uses_header_v2_and_compact_strings()
    {
        var header = new RequestHeader { ApiKey = ApiKey.ApiVersions, ApiVersion = 3, CorrelationId = 7, ClientId = "rdkafka" };
        var body = new ApiVersionsRequest { ClientSoftwareName = "librdkafka", ClientSoftwareVersion = "2.0.2" };
        Assert.Equal(ApiVersionsV3RequestFrame, RequestFrame(header, body));

        var reader = new KafkaReader(ApiVersionsV3RequestFrame.AsMemory(4));
        var read = RequestHeader.Read(ref reader, out short headerVersion);
        var decoded = ApiVersionsRequest.Read(ref reader, read.ApiVersion);
        Assert.Equal(2, headerVersion);
        Assert.Equal("rdkafka", read.ClientId);
        Assert.Equal(("librdkafka", "2.0.2"), (decoded.ClientSoftwareName, decoded.ClientSoftwareVersion));
        Assert.True(reader.End);
    }

    [Fact]
    public void ApiVersions_v3_response_keeps_header_v0()
    {
        var response = new ApiVersionsResponse { ApiKeys = [new() { ApiKey = ApiKey.ApiVersions, MinVersion = 0, MaxVersion = 3 }] };
        Assert.Equal(ApiVersionsV3ResponseFrame, ResponseFrame(7, response, 3));

        var reader = new KafkaReader(ApiVersionsV3ResponseFrame.AsMemory(4));
        var header = ResponseHeader.Read(ref reader, FlexibleVersions.ResponseHeaderVersion(ApiKey.ApiVersions, 3));
        var decoded = ApiVersionsResponse.Read(ref reader, 3);
        Assert.Equal(7, header.CorrelationId);
        Assert.Equal((short)3, Assert.Single(decoded.ApiKeys).MaxVersion);
        Assert.True(reader.End);
    }

    [Fact]
    public void Metadata_v1_request_matches_the_spec_and_null_means_all_topics()
    {
        Assert.Equal(MetadataV1RequestBody, MessageCodec.Encode(new MetadataRequest { Topics = [new() { Name = "logs" }] }, 1));
        Assert.Equal(["logs"], MessageCodec.Decode<MetadataRequest>(MetadataV1RequestBody, 1).Topics!.Select(t => t.Name));

        Assert.Equal([0xFF, 0xFF, 0xFF, 0xFF], MessageCodec.Encode(new MetadataRequest { Topics = null }, 1));
        Assert.Null(MessageCodec.Decode<MetadataRequest>(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, 1).Topics);
        Assert.Empty(MessageCodec.Decode<MetadataRequest>(new byte[] { 0, 0, 0, 0 }, 1).Topics!);
    }

    [Fact]
    public void Metadata_v0_has_no_null_topic_array()
    {
        // v0 says "every topic" with an empty array (the handler reads it so); null cannot be sent at v0.
        Assert.Equal([0, 0, 0, 0], MessageCodec.Encode(new MetadataRequest { Topics = null }, 0));
        Assert.Empty(MessageCodec.Decode<MetadataRequest>(new byte[] { 0, 0, 0, 0 }, 0).Topics!);
        Assert.Throws<MalformedMessageException>(() => MessageCodec.Decode<MetadataRequest>(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, 0));
    }

    [Fact]
    public void Metadata_v1_response_matches_the_spec()
    {
        var response = new MetadataResponse
        {
            Brokers = [new() { NodeId = 1, Host = "h", Port = 9092 }],
            ClusterId = "ignored before v2",
            ControllerId = 1,
            Topics =
            [
                new()
                {
                    Name = "t",
                    IsInternal = true,
                    Partitions = [new() { PartitionIndex = 0, LeaderId = 1, LeaderEpoch = 5, ReplicaNodes = [1], IsrNodes = [1], OfflineReplicas = [2] }],
                },
            ],
        };
        Assert.Equal(MetadataV1ResponseBody, MessageCodec.Encode(response, 1));

        var decoded = MessageCodec.Decode<MetadataResponse>(MetadataV1ResponseBody, 1);
        Assert.Null(decoded.ClusterId);
        Assert.Equal(1, decoded.ControllerId);
        Assert.Null(decoded.Brokers[0].Rack);
        Assert.True(decoded.Topics[0].IsInternal);
        Assert.Equal(-1, decoded.Topics[0].Partitions[0].LeaderEpoch);
        Assert.Equal([1], decoded.Topics[0].Partitions[0].IsrNodes);
    }

    [Fact]
    public void Produce_v3_request_frame_matches_the_spec_and_records_are_a_slice()
    {
        var header = new RequestHeader { ApiKey = ApiKey.Produce, ApiVersion = 3, CorrelationId = 42, ClientId = "c" };
        var body = new ProduceRequest
        {
            Acks = 1,
            TimeoutMs = 1000,
            Topics = [new() { Name = "t", Partitions = [new() { PartitionIndex = 0, Records = new MemoryRecordsPayload(new byte[] { 0xAA, 0xBB, 0xCC }) }] }],
        };
        Assert.Equal(ProduceV3RequestFrame, RequestFrame(header, body));

        var frame = ProduceV3RequestFrame.AsMemory(4);
        var reader = new KafkaReader(frame);
        var read = RequestHeader.Read(ref reader, out short headerVersion);
        var decoded = ProduceRequest.Read(ref reader, read.ApiVersion);
        Assert.Equal((1, ApiKey.Produce, 42, "c"), ((int)headerVersion, read.ApiKey, read.CorrelationId, read.ClientId));
        Assert.Null(decoded.TransactionalId);
        Assert.Equal((short)1, decoded.Acks);
        var records = Assert.IsType<MemoryRecordsPayload>(decoded.Topics[0].Partitions[0].Records).Bytes;
        Assert.Equal([0xAA, 0xBB, 0xCC], records.ToArray());
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(records, out var segment));
        Assert.Same(ProduceV3RequestFrame, segment.Array);
    }

    private static byte[] RequestFrame<T>(RequestHeader header, T body) where T : IKafkaMessage<T>
    {
        using var output = new PooledBufferWriter();
        MessageCodec.WriteRequestFrame(output, header, body);
        return output.WrittenSpan.ToArray();
    }

    private static byte[] ResponseFrame<T>(int correlationId, T body, short version) where T : IKafkaMessage<T>
    {
        using var output = new PooledBufferWriter();
        MessageCodec.WriteResponseFrame(output, correlationId, body, version);
        return output.WrittenSpan.ToArray();
    }

    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
