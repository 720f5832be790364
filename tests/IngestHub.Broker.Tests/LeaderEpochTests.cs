using IngestHub.Broker.Tests.Support;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Records;
using Xunit;

namespace IngestHub.Broker.Tests;

/// <summary>Leader epochs kept per partition: 0 from creation, one more at every start, stamped on appended
/// batches, reported by Metadata, checked by Fetch and answered by OffsetForLeaderEpoch from the persisted table.</summary>
public sealed class LeaderEpochTests
{
    private static ProduceRequest Produce(string topic, byte[] batch) => new()
    {
        Acks = 1,
        TimeoutMs = 5000,
        Topics = [new ProduceRequest.Topic { Name = topic, Partitions = [new ProduceRequest.Partition { PartitionIndex = 0, Records = new MemoryRecordsPayload(batch) }] }],
    };

    private static FetchRequest Fetch(string topic, long offset, int currentLeaderEpoch) => new()
    {
        MaxBytes = 1024 * 1024,
        Topics = [new FetchRequest.Topic { Name = topic, Partitions = [new FetchRequest.Partition { PartitionIndex = 0, FetchOffset = offset, CurrentLeaderEpoch = currentLeaderEpoch, PartitionMaxBytes = 1024 * 1024 }] }],
    };

    private static OffsetForLeaderEpochRequest EndOf(string topic, int epoch, int currentLeaderEpoch = -1) => new()
    {
        ReplicaId = -1,
        Topics = [new OffsetForLeaderEpochRequest.Topic { Name = topic, Partitions = [new() { PartitionIndex = 0, LeaderEpoch = epoch, CurrentLeaderEpoch = currentLeaderEpoch }] }],
    };

    private static async Task<int> MetadataEpochAsync(RawKafkaClient client, string topic)
    {
        var metadata = await client.SendAsync<MetadataRequest, MetadataResponse>(new MetadataRequest { Topics = [new() { Name = topic }] }, 9);
        return metadata.Topics[0].Partitions[0].LeaderEpoch;
    }

    [Fact]
    public async Task Each_start_begins_a_new_epoch_that_batches_carry_and_OffsetForLeaderEpoch_answers()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        using (var client = await fixture.ConnectAsync())
        {
            Assert.Equal(ErrorCode.None, (await client.SendAsync<ProduceRequest, ProduceResponse>(Produce("epochs", Batches.Values("a", "b", "c")), 7)).Topics[0].Partitions[0].ErrorCode);
            Assert.Equal(0, await MetadataEpochAsync(client, "epochs"));
        }

        await fixture.RestartAsync();
        using var again = await fixture.ConnectAsync();
        Assert.Equal(1, await MetadataEpochAsync(again, "epochs"));
        await again.SendAsync<ProduceRequest, ProduceResponse>(Produce("epochs", Batches.Values("d", "e")), 7);

        // Batches carry the epoch they were appended in.
        var fetched = await again.SendAsync<FetchRequest, FetchResponse>(Fetch("epochs", 0, currentLeaderEpoch: 1), 12);
        var payload = Assert.IsType<MemoryRecordsPayload>(fetched.Topics[0].Partitions[0].Records);
        var epochs = new List<int>();
        var bytes = payload.Bytes;
        while (bytes.Length > 0 && RecordBatchHeader.TryRead(bytes.Span, out var header) == RecordBatchError.None)
        {
            epochs.Add(header.PartitionLeaderEpoch);
            bytes = bytes[header.TotalSize..];
        }
        Assert.Equal([0, 1], epochs);

        // Epoch 0 ended where epoch 1 began; the current one ends at the log end; an unknown one is (-1, -1).
        var zero = (await again.SendAsync<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>(EndOf("epochs", 0), 4)).Topics[0].Partitions[0];
        Assert.Equal((ErrorCode.None, 0, 3L), (zero.ErrorCode, zero.LeaderEpoch, zero.EndOffset));
        var one = (await again.SendAsync<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>(EndOf("epochs", 1), 4)).Topics[0].Partitions[0];
        Assert.Equal((1, 5L), (one.LeaderEpoch, one.EndOffset));
        var future = (await again.SendAsync<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>(EndOf("epochs", 7), 4)).Topics[0].Partitions[0];
        Assert.Equal((-1, -1L), (future.LeaderEpoch, future.EndOffset));

        // A client that still believes epoch 0 is current is fenced, by Fetch and by OffsetForLeaderEpoch.
        var stale = await again.SendAsync<FetchRequest, FetchResponse>(Fetch("epochs", 0, currentLeaderEpoch: 0), 12);
        Assert.Equal(ErrorCode.FencedLeaderEpoch, stale.Topics[0].Partitions[0].ErrorCode);
        var fenced = (await again.SendAsync<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>(EndOf("epochs", 0, currentLeaderEpoch: 0), 4)).Topics[0].Partitions[0];
        Assert.Equal(ErrorCode.FencedLeaderEpoch, fenced.ErrorCode);
    }

    private static FetchRequest FetchAfter(string topic, long offset, int lastFetchedEpoch, int maxWaitMs = 0) => new()
    {
        MaxWaitMs = maxWaitMs,
        MinBytes = 1,
        MaxBytes = 1024 * 1024,
        Topics = [new FetchRequest.Topic { Name = topic, Partitions = [new FetchRequest.Partition { PartitionIndex = 0, FetchOffset = offset, CurrentLeaderEpoch = 1, LastFetchedEpoch = lastFetchedEpoch, PartitionMaxBytes = 1024 * 1024 }] }],
    };

    [Fact]
    public async Task A_fetch_whose_last_fetched_epoch_ended_before_its_offset_is_answered_with_the_diverging_epoch()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        using (var client = await fixture.ConnectAsync())
            await client.SendAsync<ProduceRequest, ProduceResponse>(Produce("diverge", Batches.Values("a", "b", "c")), 7);
        // Epoch 0 holds offsets 0-2; after the restart epoch 1 starts at 3 and holds 3-4. A fetcher that read up to
        // offset 5 in epoch 0 (records this log no longer has there) must truncate to 3.
        await fixture.RestartAsync();
        using var again = await fixture.ConnectAsync();
        await again.SendAsync<ProduceRequest, ProduceResponse>(Produce("diverge", Batches.Values("d", "e")), 7);

        // The raw v12 answer, min_bytes 1 and a long max wait: at once, no records, tag 0 = epoch 0 ending at offset 3.
        await again.SendOnlyAsync(FetchAfter("diverge", 5, lastFetchedEpoch: 0, maxWaitMs: 120_000), 12, correlationId: 900);
        var frame = await again.ReadFrameAsync(TimeSpan.FromSeconds(60));
        Assert.NotNull(frame);
        byte[] divergingTag = [0x00, 0x0D, 0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0x03, 0x00]; // tag 0, 13 bytes: epoch 0, end 3, no tags
        Assert.True(frame.AsSpan().IndexOf(divergingTag) > 0, "diverging_epoch (0, 3) as tagged field 0: " + Convert.ToHexString(frame));
        var reader = new Protocol.Primitives.KafkaReader(frame);
        Assert.Equal(900, ResponseHeader.Read(ref reader, FlexibleVersions.ResponseHeaderVersion(ApiKey.Fetch, 12)).CorrelationId);
        var diverged = FetchResponse.Read(ref reader, 12).Topics[0].Partitions[0];
        Assert.Equal((ErrorCode.None, 0, 3L, 5L), (diverged.ErrorCode, diverged.DivergingEpoch!.Epoch, diverged.DivergingEpoch.EndOffset, diverged.HighWatermark));
        Assert.Equal(0, Assert.IsType<MemoryRecordsPayload>(diverged.Records).Length);

        // Fetching from where epoch 0 ends, or at the current epoch, is an ordinary fetch.
        var atEnd = (await again.SendAsync<FetchRequest, FetchResponse>(FetchAfter("diverge", 3, lastFetchedEpoch: 0), 12)).Topics[0].Partitions[0];
        Assert.Equal(ErrorCode.None, atEnd.ErrorCode);
        Assert.Null(atEnd.DivergingEpoch);
        Assert.True(Assert.IsType<MemoryRecordsPayload>(atEnd.Records).Length > 0);
        var current = (await again.SendAsync<FetchRequest, FetchResponse>(FetchAfter("diverge", 5, lastFetchedEpoch: 1), 12)).Topics[0].Partitions[0];
        Assert.Equal(ErrorCode.None, current.ErrorCode);
        Assert.Null(current.DivergingEpoch);

        // An epoch this log never had is out of range; before v12 the field does not exist and nothing is checked.
        var unknown = (await again.SendAsync<FetchRequest, FetchResponse>(FetchAfter("diverge", 5, lastFetchedEpoch: 7), 12)).Topics[0].Partitions[0];
        Assert.Equal(ErrorCode.OffsetOutOfRange, unknown.ErrorCode);
        var old = (await again.SendAsync<FetchRequest, FetchResponse>(FetchAfter("diverge", 3, lastFetchedEpoch: 7), 11)).Topics[0].Partitions[0];
        Assert.Equal(ErrorCode.None, old.ErrorCode);
        Assert.True(Assert.IsType<MemoryRecordsPayload>(old.Records).Length > 0);
    }
}
