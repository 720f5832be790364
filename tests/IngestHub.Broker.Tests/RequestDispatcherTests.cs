using System.Buffers.Binary;
using IngestHub.Broker.Tests.Support;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Primitives;
using Xunit;

namespace IngestHub.Broker.Tests;

public sealed class RequestDispatcherTests
{
    [Fact]
    public async Task ApiVersions_lists_every_registered_handler_with_its_declared_range()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        using var client = await fixture.ConnectAsync();
        var response = await client.SendAsync<ApiVersionsRequest, ApiVersionsResponse>(new ApiVersionsRequest(), 2);
        Assert.Equal(ErrorCode.None, response.ErrorCode);
        var byKey = response.ApiKeys.ToDictionary(k => k.ApiKey);
        // Produce starts at v0 (older librdkafka compresses only then); the other minimums stay where
        // older librdkafka's feature detection looks for them.
        Assert.Equal(((short)0, (short)11), (byKey[ApiKey.Produce].MinVersion, byKey[ApiKey.Produce].MaxVersion));
        Assert.Equal(((short)4, (short)17), (byKey[ApiKey.Fetch].MinVersion, byKey[ApiKey.Fetch].MaxVersion));
        Assert.Equal(((short)0, (short)4), (byKey[ApiKey.ApiVersions].MinVersion, byKey[ApiKey.ApiVersions].MaxVersion));
        foreach (var range in response.ApiKeys)
        {
            var declared = MessageCatalog.Messages.Single(m => m.ApiKey == range.ApiKey && m.Kind == "request");
            Assert.Equal((declared.MinVersion, declared.MaxVersion), (range.MinVersion, range.MaxVersion));
        }
    }

    [Fact]
    public async Task ApiVersions_v3_is_answered_with_a_v0_response_header()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        using var client = await fixture.ConnectAsync();
        var response = await client.SendAsync<ApiVersionsRequest, ApiVersionsResponse>(
            new ApiVersionsRequest { ClientSoftwareName = "tests", ClientSoftwareVersion = "1.0" }, 3);
        Assert.Equal(ErrorCode.None, response.ErrorCode);
        Assert.Contains(response.ApiKeys, k => k.ApiKey == ApiKey.Metadata);
    }

    [Fact]
    public async Task Unsupported_ApiVersions_version_gets_error_35_with_a_v0_body()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        using var client = await fixture.ConnectAsync();
        // ApiVersions v9: header v2 (flexible), empty body with tagged fields.
        using var output = new PooledBufferWriter();
        var writer = new KafkaWriter(output);
        int sizeAt = output.Reserve(4);
        new RequestHeader { ApiKey = ApiKey.ApiVersions, ApiVersion = 9, CorrelationId = 77, ClientId = "future" }.Write(writer);
        writer.WriteEmptyTaggedFields();
        output.WriteInt32At(sizeAt, output.WrittenCount - 4);
        await client.SendRawAsync(output.WrittenMemory.ToArray());

        var frame = await client.ReadFrameAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(frame);
        Assert.Equal(77, BinaryPrimitives.ReadInt32BigEndian(frame));
        var body = MessageCodec.Decode<ApiVersionsResponse>(frame.AsMemory(4), 0);
        Assert.Equal(ErrorCode.UnsupportedVersion, body.ErrorCode);
        Assert.Contains(body.ApiKeys, k => k.ApiKey == ApiKey.ApiVersions && k.MaxVersion == ApiVersionsRequest.MaxVersion);
    }

    [Fact]
    public async Task Unknown_api_key_closes_only_that_connection()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        using var bad = await fixture.ConnectAsync();
        var frame = new byte[4 + 10];
        BinaryPrimitives.WriteInt32BigEndian(frame, 10);
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(4), 999);
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(6), 0);
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(8), 1);
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(12), -1);
        await bad.SendRawAsync(frame);
        Assert.True(await bad.IsClosedByPeerAsync(TimeSpan.FromSeconds(10)));

        using var good = await fixture.ConnectAsync();
        var response = await good.SendAsync<ApiVersionsRequest, ApiVersionsResponse>(new ApiVersionsRequest(), 0);
        Assert.Equal(ErrorCode.None, response.ErrorCode);
    }

    [Fact]
    public async Task Oversized_length_prefix_is_refused_before_buffering()
    {
        await using var fixture = await BrokerFixture.StartAsync(o => o.SocketRequestMaxBytes = 1024 * 1024);
        using var bad = await fixture.ConnectAsync();
        var prefix = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(prefix, int.MaxValue);
        await bad.SendRawAsync(prefix);
        Assert.True(await bad.IsClosedByPeerAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Garbage_body_after_a_valid_header_closes_the_connection_and_the_broker_keeps_serving()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        using var bad = await fixture.ConnectAsync();
        using var output = new PooledBufferWriter();
        var writer = new KafkaWriter(output);
        int sizeAt = output.Reserve(4);
        new RequestHeader { ApiKey = ApiKey.Metadata, ApiVersion = 1, CorrelationId = 5, ClientId = "garbage" }.Write(writer);
        writer.WriteInt32(1_000_000); // a topic array count the frame cannot hold
        writer.WriteRaw([1, 2, 3]);
        output.WriteInt32At(sizeAt, output.WrittenCount - 4);
        await bad.SendRawAsync(output.WrittenMemory.ToArray());
        Assert.True(await bad.IsClosedByPeerAsync(TimeSpan.FromSeconds(10)));

        using var good = await fixture.ConnectAsync();
        var metadata = await good.SendAsync<MetadataRequest, MetadataResponse>(new MetadataRequest { Topics = null }, 1);
        Assert.Single(metadata.Brokers);
    }

    [Fact]
    public async Task Pipelined_requests_are_answered_in_request_order()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        using var client = await fixture.ConnectAsync();
        for (int i = 1; i <= 20; i++)
            await client.SendOnlyAsync(new ApiVersionsRequest(), 1, correlationId: i);
        for (int i = 1; i <= 20; i++)
        {
            var frame = await client.ReadFrameAsync(TimeSpan.FromSeconds(10));
            Assert.NotNull(frame);
            Assert.Equal(i, BinaryPrimitives.ReadInt32BigEndian(frame));
        }
    }
}
