using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Primitives;
using Xunit;

namespace IngestHub.Protocol.Tests.Messages;

public sealed class HeaderAndFrameTests
{
    [Theory]
    [InlineData(ApiKey.Produce, 9)]
    [InlineData(ApiKey.Fetch, 12)]
    [InlineData(ApiKey.ListOffsets, 6)]
    [InlineData(ApiKey.Metadata, 9)]
    [InlineData(ApiKey.OffsetCommit, 8)]
    [InlineData(ApiKey.OffsetFetch, 6)]
    [InlineData(ApiKey.FindCoordinator, 3)]
    [InlineData(ApiKey.JoinGroup, 6)]
    [InlineData(ApiKey.Heartbeat, 4)]
    [InlineData(ApiKey.LeaveGroup, 4)]
    [InlineData(ApiKey.SyncGroup, 4)]
    [InlineData(ApiKey.DescribeGroups, 5)]
    [InlineData(ApiKey.ListGroups, 3)]
    [InlineData(ApiKey.ApiVersions, 3)]
    [InlineData(ApiKey.CreateTopics, 5)]
    [InlineData(ApiKey.DeleteTopics, 4)]
    [InlineData(ApiKey.DeleteRecords, 2)]
    [InlineData(ApiKey.InitProducerId, 2)]
    [InlineData(ApiKey.OffsetForLeaderEpoch, 4)]
    [InlineData(ApiKey.DescribeConfigs, 4)]
    [InlineData(ApiKey.SaslAuthenticate, 2)]
    [InlineData(ApiKey.CreatePartitions, 2)]
    [InlineData(ApiKey.AlterConfigs, 2)]
    [InlineData(ApiKey.DescribeLogDirs, 2)]
    [InlineData(ApiKey.DeleteGroups, 2)]
    [InlineData(ApiKey.IncrementalAlterConfigs, 1)]
    public void Request_header_turns_v2_at_the_first_flexible_version(ApiKey apiKey, short firstFlexible)
    {
        Assert.Equal(1, FlexibleVersions.RequestHeaderVersion(apiKey, (short)(firstFlexible - 1)));
        Assert.Equal(2, FlexibleVersions.RequestHeaderVersion(apiKey, firstFlexible));
        short expectedResponseHeader = apiKey == ApiKey.ApiVersions ? (short)0 : (short)1;
        Assert.Equal(0, FlexibleVersions.ResponseHeaderVersion(apiKey, (short)(firstFlexible - 1)));
        Assert.Equal(expectedResponseHeader, FlexibleVersions.ResponseHeaderVersion(apiKey, firstFlexible));
    }

    [Fact]
    public void SaslHandshake_and_unknown_keys_are_never_flexible()
    {
        Assert.Equal(1, FlexibleVersions.RequestHeaderVersion(ApiKey.SaslHandshake, 1));
        Assert.Equal(1, FlexibleVersions.RequestHeaderVersion((ApiKey)999, 30));
        Assert.False(FlexibleVersions.IsFlexible(ApiKey.SaslHandshake, short.MaxValue - 1));
    }

    [Fact]
    public void Request_header_v2_skips_unknown_tagged_fields_and_keeps_a_null_client_id()
    {
        byte[] frame =
        [
            0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x05, // ApiVersions v3, correlation 5
            0xFF, 0xFF, // null client id (int16 length, not compact)
            0x01, 0x00, 0x02, 0xAB, 0xCD, // one tagged field: tag 0, 2 bytes
            0x01, 0x01, 0x00, // body: empty name, empty version, no tags
        ];
        var reader = new KafkaReader(frame);
        var header = RequestHeader.Read(ref reader, out short headerVersion);
        var body = ApiVersionsRequest.Read(ref reader, header.ApiVersion);

        Assert.Equal(2, headerVersion);
        Assert.Null(header.ClientId);
        Assert.Equal(5, header.CorrelationId);
        Assert.Equal("", body.ClientSoftwareName);
        Assert.True(reader.End);
    }

    [Fact]
    public void Response_header_v1_round_trips_with_tagged_fields()
    {
        using var output = new PooledBufferWriter();
        new ResponseHeader { CorrelationId = 0x01020304 }.Write(new KafkaWriter(output), 1);
        Assert.Equal([1, 2, 3, 4, 0], output.WrittenSpan.ToArray());

        byte[] withTag = [1, 2, 3, 4, 0x01, 0x03, 0x01, 0xEE];
        var reader = new KafkaReader(withTag);
        Assert.Equal(0x01020304, ResponseHeader.Read(ref reader, 1).CorrelationId);
        Assert.True(reader.End);
    }

    [Fact]
    public void Frames_are_appended_after_existing_bytes_with_their_own_size()
    {
        using var output = new PooledBufferWriter(16);
        output.Reserve(3);
        var body = MessageSamples.MetadataResponse(8, false);

        MessageCodec.WriteResponseFrame(output, 9, body, 8);
        var header = new RequestHeader { ApiKey = ApiKey.Metadata, ApiVersion = 8, CorrelationId = 10, ClientId = "x" };
        MessageCodec.WriteRequestFrame(output, header, MessageSamples.MetadataRequest(8, false));

        var bytes = output.WrittenMemory;
        int firstSize = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.Span[3..]);
        Assert.Equal(4 + MessageCodec.Encode(body, 8).Length, firstSize);
        var second = bytes[(3 + 4 + firstSize)..];
        int secondSize = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(second.Span);
        Assert.Equal(second.Length - 4, secondSize);

        var reader = new KafkaReader(second[4..]);
        var readHeader = RequestHeader.Read(ref reader, out _);
        var request = MetadataRequest.Read(ref reader, readHeader.ApiVersion);
        Assert.Equal(10, readHeader.CorrelationId);
        Assert.True(request.IncludeTopicAuthorizedOperations);
        Assert.True(reader.End);
    }

    [Fact]
    public void Codec_rejects_versions_outside_the_message_range()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MessageCodec.Encode(new ProduceRequest(), 12));
        Assert.Throws<ArgumentOutOfRangeException>(() => MessageCodec.Decode<FetchResponse>(new byte[64], 18));
        using var output = new PooledBufferWriter();
        var mismatched = new RequestHeader { ApiKey = ApiKey.Fetch, ApiVersion = 4 };
        Assert.Throws<ArgumentException>(() => MessageCodec.WriteRequestFrame(output, mismatched, new ProduceRequest()));
    }
}
