using FsCheck;
using FsCheck.Fluent;
using IngestHub.Protocol.Messages;
using Xunit;

namespace IngestHub.Protocol.Tests.Messages;

public sealed class MessagePropertyTests
{
    [Fact]
    public void Random_fetch_responses_round_trip_at_every_version()
    {
        var arb = ArbMap.Default.ArbFor<(int, long, long, NonNull<string>, byte[], short)>();
        Prop.ForAll(arb, t =>
        {
            var (partition, highWatermark, producerId, name, records, rawVersion) = t;
            short version = (short)(4 + Math.Abs(rawVersion % 8));
            var response = new FetchResponse
            {
                Topics =
                [
                    new()
                    {
                        Name = Utf8Safe(name.Get),
                        Partitions =
                        [
                            new()
                            {
                                PartitionIndex = partition,
                                HighWatermark = highWatermark,
                                LastStableOffset = highWatermark,
                                AbortedTransactions = [new() { ProducerId = producerId, FirstOffset = highWatermark }],
                                Records = new MemoryRecordsPayload(records),
                            },
                        ],
                    },
                ],
            };
            byte[] bytes = MessageCodec.Encode(response, version);
            var decoded = MessageCodec.Decode<FetchResponse>(bytes, version, out int consumed);
            Structural.AssertEqual(response, decoded);
            return consumed == bytes.Length;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));
    }

    [Fact]
    public void Random_metadata_requests_round_trip_at_every_version()
    {
        var arb = ArbMap.Default.ArbFor<(NonNull<string>[], bool, bool, short)>();
        Prop.ForAll(arb, t =>
        {
            var (names, autoCreate, includeOps, rawVersion) = t;
            short version = (short)Math.Abs(rawVersion % 9);
            var request = new MetadataRequest
            {
                Topics = names.Length == 0 && version >= 1 ? null : [.. names.Select(n => new MetadataRequest.Topic { Name = Utf8Safe(n.Get) })],
                AllowAutoTopicCreation = autoCreate || version < 4,
                IncludeTopicAuthorizedOperations = includeOps && version >= 8,
            };
            var decoded = MessageCodec.Decode<MetadataRequest>(MessageCodec.Encode(request, version), version);
            Structural.AssertEqual(request, decoded);
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));
    }

    // Lone surrogates have no UTF-8 form; the wire cannot carry them, so they are not round-trip material.
    private static string Utf8Safe(string s) => string.Concat(s.Where(ch => !char.IsSurrogate(ch)));
}
