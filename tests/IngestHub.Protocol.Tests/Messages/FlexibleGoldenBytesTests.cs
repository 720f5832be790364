using System.Text;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Primitives;
using Xunit;

namespace IngestHub.Protocol.Tests.Messages;

/// <summary>Flexible-version frames assembled by hand from KIP-482 (compact lengths are N+1 as unsigned varints,
/// every struct ends with a tagged-fields section, request header v2, response header v1), compared byte for
/// byte in both directions.</summary>
public sealed class FlexibleGoldenBytesTests
{
    private static readonly Guid TopicId = new("00112233-4455-6677-8899-aabbccddeeff");
    private static readonly byte[] TopicIdBytes = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF];

    private static readonly byte[] ProduceV9RequestFrame = Concat(
        [0x00, 0x00, 0x00, 0x22], // size 34
        [0x00, 0x00, 0x00, 0x09], // api key 0, version 9 → request header v2
        [0x00, 0x00, 0x00, 0x2A], // correlation id 42
        [0x00, 0x01], Ascii("c"), // client id: still an int16-length string
        [0x00], // header tagged fields
        [0x00], // transactional id: compact nullable string, null
        [0xFF, 0xFF], [0x00, 0x00, 0x03, 0xE8], // acks -1, timeout 1000
        [0x02], [0x02], Ascii("t"), // 1 topic, compact string "t"
        [0x02], [0x00, 0x00, 0x00, 0x00], // 1 partition, index 0
        [0x04, 0xAA, 0xBB, 0xCC], // records: compact bytes, 3 + 1
        [0x00], // partition tagged fields
        [0x00], // topic tagged fields
        [0x00]); // body tagged fields

    private static readonly byte[] MetadataV12RequestBody = Concat(
        [0x03], // 2 topics
        TopicIdBytes, [0x00], [0x00], // by id: name null, tagged fields
        new byte[16], [0x05], Ascii("logs"), [0x00], // by name: zero id
        [0x01], // allow auto topic creation
        [0x00], // include topic authorized operations (the cluster flag is gone after v10)
        [0x00]); // tagged fields

    private static readonly byte[] FindCoordinatorV4ResponseFrame = Concat(
        [0x00, 0x00, 0x00, 0x1C], // size 28
        [0x00, 0x00, 0x00, 0x05], [0x00], // correlation id 5, response header v1 tagged fields
        [0x00, 0x00, 0x00, 0x00], // throttle
        [0x02], // 1 coordinator
        [0x03], Ascii("g1"), [0x00, 0x00, 0x00, 0x01], [0x02], Ascii("h"), [0x00, 0x00, 0x23, 0x84], // key, node 1, host, 9092
        [0x00, 0x00], [0x00], [0x00], // error 0, error message null, element tagged fields
        [0x00]); // body tagged fields

    private static readonly byte[] FetchV12ResponseBody = Concat(
        [0x00, 0x00, 0x00, 0x00], [0x00, 0x00], [0x00, 0x00, 0x00, 0x00], // throttle, error, session id
        [0x02], [0x05], Ascii("logs"), // 1 topic (names still used at v12)
        [0x02], // 1 partition
        [0x00, 0x00, 0x00, 0x03], [0x00, 0x00], // index 3, error 0
        [0, 0, 0, 0, 0, 0, 0, 0x0A], [0, 0, 0, 0, 0, 0, 0, 0x0A], [0, 0, 0, 0, 0, 0, 0, 0x02], // hw 10, lso 10, log start 2
        [0x00], // aborted transactions: null compact array
        [0xFF, 0xFF, 0xFF, 0xFF], // preferred read replica -1
        [0x03, 0x01, 0x02], // records: 2 bytes
        [0x01], // 1 tagged field
        [0x01, 0x09], [0x00, 0x00, 0x00, 0x01], [0x00, 0x00, 0x00, 0x00], [0x00], // tag 1 (current leader), 9 bytes: leader 1, epoch 0, its tagged fields
        [0x00], // topic tagged fields
        [0x00]); // body tagged fields

    [Fact]
    public void Produce_v9_request_frame_uses_header_v2_and_compact_fields()
    {
        var header = new RequestHeader { ApiKey = ApiKey.Produce, ApiVersion = 9, CorrelationId = 42, ClientId = "c" };
        var body = new ProduceRequest
        {
            Acks = -1,
            TimeoutMs = 1000,
            Topics = [new() { Name = "t", Partitions = [new() { PartitionIndex = 0, Records = new MemoryRecordsPayload(new byte[] { 0xAA, 0xBB, 0xCC }) }] }],
        };
        using var output = new PooledBufferWriter();
        MessageCodec.WriteRequestFrame(output, header, body);
        Assert.Equal(ProduceV9RequestFrame, output.WrittenSpan.ToArray());

        var reader = new KafkaReader(ProduceV9RequestFrame.AsMemory(4));
        var read = RequestHeader.Read(ref reader, out short headerVersion);
        var decoded = ProduceRequest.Read(ref reader, read.ApiVersion);
        Assert.Equal(2, headerVersion);
        Assert.True(reader.End);
        Assert.Null(decoded.TransactionalId);
        var records = Assert.IsType<MemoryRecordsPayload>(decoded.Topics[0].Partitions[0].Records);
        Assert.Equal([0xAA, 0xBB, 0xCC], records.Bytes.ToArray());
    }

    [Fact]
    public void Metadata_v12_request_names_topics_by_id_or_name()
    {
        var request = new MetadataRequest
        {
            Topics = [new() { TopicId = TopicId, Name = null }, new() { Name = "logs" }],
            AllowAutoTopicCreation = true,
            IncludeClusterAuthorizedOperations = true, // not on the wire after v10
        };
        Assert.Equal(MetadataV12RequestBody, MessageCodec.Encode(request, 12));

        var decoded = MessageCodec.Decode<MetadataRequest>(MetadataV12RequestBody, 12);
        Assert.Equal(TopicId, decoded.Topics![0].TopicId);
        Assert.Null(decoded.Topics[0].Name);
        Assert.Equal("logs", decoded.Topics[1].Name);
        Assert.False(decoded.IncludeClusterAuthorizedOperations);
    }

    [Fact]
    public void FindCoordinator_v4_response_frame_uses_header_v1_and_batched_coordinators()
    {
        var response = new FindCoordinatorResponse
        {
            Coordinators = [new() { Key = "g1", NodeId = 1, Host = "h", Port = 9092 }],
        };
        using var output = new PooledBufferWriter();
        MessageCodec.WriteResponseFrame(output, 5, response, 4);
        Assert.Equal(FindCoordinatorV4ResponseFrame, output.WrittenSpan.ToArray());

        var reader = new KafkaReader(FindCoordinatorV4ResponseFrame.AsMemory(4));
        Assert.Equal(5, ResponseHeader.Read(ref reader, 1).CorrelationId);
        var decoded = FindCoordinatorResponse.Read(ref reader, 4);
        Assert.True(reader.End);
        Assert.Equal(("g1", 1, "h", 9092), (decoded.Coordinators[0].Key, decoded.Coordinators[0].NodeId, decoded.Coordinators[0].Host, decoded.Coordinators[0].Port));
        Assert.Null(decoded.Coordinators[0].ErrorMessage);
    }

    [Fact]
    public void Fetch_v12_response_carries_a_tagged_current_leader()
    {
        var response = new FetchResponse
        {
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
                            HighWatermark = 10,
                            LastStableOffset = 10,
                            LogStartOffset = 2,
                            CurrentLeader = new() { LeaderId = 1, LeaderEpoch = 0 },
                            Records = new MemoryRecordsPayload(new byte[] { 0x01, 0x02 }),
                        },
                    ],
                },
            ],
        };
        Assert.Equal(FetchV12ResponseBody, MessageCodec.Encode(response, 12));

        var partition = MessageCodec.Decode<FetchResponse>(FetchV12ResponseBody, 12).Topics[0].Partitions[0];
        Assert.Equal((1, 0), (partition.CurrentLeader!.LeaderId, partition.CurrentLeader.LeaderEpoch));
        Assert.Null(partition.DivergingEpoch);
        Assert.Null(partition.AbortedTransactions);
    }

    [Fact]
    public void Unknown_tagged_fields_are_skipped()
    {
        // Heartbeat v4 response with a tag the declaration does not know (tag 7, 3 bytes).
        byte[] body = [0x00, 0x00, 0x00, 0x00, 0x00, 0x1B, 0x01, 0x07, 0x03, 0xAA, 0xBB, 0xCC];
        var decoded = MessageCodec.Decode<HeartbeatResponse>(body, 4, out int consumed);
        Assert.Equal(ErrorCode.RebalanceInProgress, decoded.ErrorCode);
        Assert.Equal(body.Length, consumed);
    }

    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
