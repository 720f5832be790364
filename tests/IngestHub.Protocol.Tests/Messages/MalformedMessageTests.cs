using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Primitives;
using Xunit;

namespace IngestHub.Protocol.Tests.Messages;

public sealed class MalformedMessageTests
{
    public static TheoryData<string, short> EveryVersion() => MessageRoundTripTests.EveryVersion();

    [Theory]
    [MemberData(nameof(EveryVersion))]
    public void Body_truncated_at_any_byte_is_malformed(string message, short version)
    {
        var c = MessageSamples.Find(message);
        byte[] bytes = c.Encode(c.Sample(version, true), version);

        for (int length = 0; length < bytes.Length; length++)
        {
            var truncated = bytes.AsMemory(0, length);
            var ex = Record.Exception(() => c.Decode(truncated, version));
            Assert.True(ex is MalformedMessageException, $"{message} v{version} cut to {length}/{bytes.Length} bytes: {ex?.GetType().Name ?? "no exception"}");
        }
    }

    [Fact]
    public void Truncated_request_header_is_malformed()
    {
        byte[] header = [0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x05, 0x00, 0x02, 0x61, 0x62, 0x00];
        for (int length = 0; length < header.Length; length++)
        {
            var truncated = header.AsMemory(0, length);
            Assert.Throws<MalformedMessageException>(() =>
            {
                var reader = new KafkaReader(truncated);
                RequestHeader.Read(ref reader, out _);
            });
        }
    }

    public static TheoryData<string, byte[]> HostileCounts() => new()
    {
        // Produce v3: null txn id, acks, timeout, then 2e9 topics.
        { "produce topics", [0xFF, 0xFF, 0x00, 0x01, 0x00, 0x00, 0x03, 0xE8, 0x77, 0x35, 0x94, 0x00] },
        // Produce v3: one topic "t" with 2e9 partitions.
        { "produce partitions", [0xFF, 0xFF, 0x00, 0x01, 0x00, 0x00, 0x03, 0xE8, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x74, 0x77, 0x35, 0x94, 0x00] },
        // DeleteTopics v0: 2e9 names.
        { "delete topic names", [0x77, 0x35, 0x94, 0x00, 0x00, 0x00, 0x00, 0x00] },
        // Metadata v1 response: 2e9 brokers.
        { "metadata brokers", [0x7F, 0xFF, 0xFF, 0xFF, 0x00, 0x00] },
        // ApiVersions v3 response: compact array of 2e9 entries (varint 2_000_000_001).
        { "api versions compact", [0x00, 0x00, 0x81, 0xA8, 0xD6, 0xB9, 0x07, 0x00] },
        // ApiVersions v3 response: compact array count above int.MaxValue.
        { "api versions compact overflow", [0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F] },
        // ApiVersions v3 request: compact string longer than int.MaxValue.
        { "compact string overflow", [0xFF, 0xFF, 0xFF, 0xFF, 0x0F] },
        // Metadata v1 response: a broker array of -2.
        { "negative count", [0xFF, 0xFF, 0xFF, 0xFE] },
        // Produce v3: null topics where the array is not nullable.
        { "null non-nullable array", [0xFF, 0xFF, 0x00, 0x01, 0x00, 0x00, 0x03, 0xE8, 0xFF, 0xFF, 0xFF, 0xFF] },
    };

    [Theory]
    [MemberData(nameof(HostileCounts))]
    public void Hostile_lengths_are_malformed_without_allocating(string what, byte[] body)
    {
        Func<ReadOnlyMemory<byte>, object> decode = what switch
        {
            "produce topics" or "produce partitions" or "null non-nullable array" => b => MessageCodec.Decode<ProduceRequest>(b, 3),
            "delete topic names" => b => MessageCodec.Decode<DeleteTopicsRequest>(b, 0),
            "metadata brokers" or "negative count" => b => MessageCodec.Decode<MetadataResponse>(b, 1),
            "api versions compact" or "api versions compact overflow" => b => MessageCodec.Decode<ApiVersionsResponse>(b, 3),
            "compact string overflow" => b => MessageCodec.Decode<ApiVersionsRequest>(b, 3),
            _ => throw new ArgumentException(what, nameof(what)),
        };
        Assert.Throws<MalformedMessageException>(() => decode(body)); // warm up JIT before measuring

        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<MalformedMessageException>(() => decode(body));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 64 * 1024, $"{what}: {allocated} bytes allocated");
    }
}
