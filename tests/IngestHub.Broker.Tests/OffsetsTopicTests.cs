using IngestHub.Broker.Groups.OffsetsTopic;
using IngestHub.Broker.Tests.Support;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Records;
using IngestHub.Storage;
using Xunit;

namespace IngestHub.Broker.Tests;

/// <summary>The broker's <c>__consumer_offsets</c> over the wire: an internal topic of 50 partitions that holds every
/// commit in Kafka's format, readable by clients, closed to their writes, compacted by the cleaner, and read back
/// after a restart.</summary>
public sealed class OffsetsTopicTests
{
    private const string Offsets = "__consumer_offsets";

    private static OffsetCommitRequest Commit(string group, string topic, int partition, long offset) => new()
    {
        GroupId = group,
        GenerationId = -1,
        MemberId = "",
        Topics = [new OffsetCommitRequest.Topic { Name = topic, Partitions = [new() { PartitionIndex = partition, CommittedOffset = offset, CommittedMetadata = "m" + offset }] }],
    };

    private static async Task CreateTopic(RawKafkaClient client, string name)
    {
        var created = await client.SendAsync<CreateTopicsRequest, CreateTopicsResponse>(new CreateTopicsRequest
        {
            TimeoutMs = 5000,
            Topics = [new CreateTopicsRequest.Topic { Name = name, NumPartitions = 2, ReplicationFactor = 1 }],
        }, 4);
        Assert.Equal(ErrorCode.None, created.Topics[0].ErrorCode);
    }

    private static async Task<List<DecodedRecord>> FetchAll(RawKafkaClient client, int partition)
    {
        var records = new List<DecodedRecord>();
        long offset = 0;
        for (int round = 0; round < 10_000; round++)
        {
            var response = await client.SendAsync<FetchRequest, FetchResponse>(new FetchRequest
            {
                MaxWaitMs = 0,
                MaxBytes = 1024 * 1024,
                Topics = [new FetchRequest.Topic { Name = Offsets, Partitions = [new FetchRequest.Partition { PartitionIndex = partition, FetchOffset = offset, PartitionMaxBytes = 1024 * 1024 }] }],
            }, 11);
            var result = response.Topics[0].Partitions[0];
            Assert.Equal(ErrorCode.None, result.ErrorCode);
            var payload = Assert.IsType<MemoryRecordsPayload>(result.Records);
            var batch = RecordBatchDecoder.DecodeAll(payload.Bytes.Span).Where(r => r.Offset >= offset).ToList();
            if (batch.Count == 0)
                return records;
            records.AddRange(batch);
            offset = batch[^1].Offset + 1;
        }
        throw new InvalidOperationException("fetch did not reach the end of the partition");
    }

    [Fact]
    public async Task The_offsets_topic_is_internal_readable_and_refuses_client_writes()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        using var client = await fixture.ConnectAsync();
        await CreateTopic(client, "orders");
        var committed = await client.SendAsync<OffsetCommitRequest, OffsetCommitResponse>(Commit("billing", "orders", 1, 42), 8);
        Assert.Equal(ErrorCode.None, committed.Topics[0].Partitions[0].ErrorCode);

        var metadata = await client.SendAsync<MetadataRequest, MetadataResponse>(new MetadataRequest { Topics = null }, 9);
        var offsetsTopic = Assert.Single(metadata.Topics, t => t.Name == Offsets);
        Assert.True(offsetsTopic.IsInternal);
        Assert.Equal(50, offsetsTopic.Partitions.Count);
        Assert.False(Assert.Single(metadata.Topics, t => t.Name == "orders").IsInternal);

        // The commit is a record of partition abs("billing".hashCode()) % 50 = 9, in Kafka's key and value formats.
        var record = Assert.Single(await FetchAll(client, 9));
        Assert.Equal(new OffsetCommitKey("billing", "orders", 1), OffsetsTopicFormat.DecodeKey(record.Key));
        var value = OffsetsTopicFormat.DecodeOffsetValue(record.Value);
        Assert.Equal((42L, "m42"), (value.Offset, value.Metadata));
        var listed = await client.SendAsync<ListOffsetsRequest, ListOffsetsResponse>(new ListOffsetsRequest
        {
            Topics = [new() { Name = Offsets, Partitions = [new() { PartitionIndex = 9, Timestamp = ListOffsetsRequest.LatestTimestamp }] }],
        }, 5);
        Assert.Equal(1, listed.Topics[0].Partitions[0].Offset);

        using var batch = new RecordBatchBuilder();
        batch.Append(0, OffsetsTopicFormat.EncodeKey(new OffsetCommitKey("billing", "orders", 1)), OffsetsTopicFormat.EncodeValue(new OffsetCommitValue(0, -1, "", 0)));
        var produced = await client.SendAsync<ProduceRequest, ProduceResponse>(new ProduceRequest
        {
            Acks = 1,
            TimeoutMs = 5000,
            Topics = [new ProduceRequest.Topic { Name = Offsets, Partitions = [new ProduceRequest.Partition { PartitionIndex = 9, Records = new MemoryRecordsPayload(batch.ToArray()) }] }],
        }, 8);
        Assert.Equal(ErrorCode.InvalidTopicException, produced.Topics[0].Partitions[0].ErrorCode);

        var created = await client.SendAsync<CreateTopicsRequest, CreateTopicsResponse>(new CreateTopicsRequest
        {
            TimeoutMs = 5000,
            Topics = [new CreateTopicsRequest.Topic { Name = Offsets, NumPartitions = 1, ReplicationFactor = 1 }],
        }, 4);
        Assert.Equal(ErrorCode.TopicAlreadyExists, created.Topics[0].ErrorCode);
        var deleted = await client.SendAsync<DeleteTopicsRequest, DeleteTopicsResponse>(new DeleteTopicsRequest { TopicNames = [Offsets], TimeoutMs = 5000 }, 4);
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, deleted.Topics[0].ErrorCode);
        var grown = await client.SendAsync<CreatePartitionsRequest, CreatePartitionsResponse>(new CreatePartitionsRequest
        {
            Topics = [new() { Name = Offsets, Count = 60 }],
            TimeoutMs = 5000,
        }, 1);
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, grown.Results[0].ErrorCode);
        var truncated = await client.SendAsync<DeleteRecordsRequest, DeleteRecordsResponse>(new DeleteRecordsRequest
        {
            Topics = [new() { Name = Offsets, Partitions = [new() { PartitionIndex = 9, Offset = 1 }] }],
            TimeoutMs = 5000,
        }, 1);
        Assert.Equal(ErrorCode.InvalidTopicException, truncated.Topics[0].Partitions[0].ErrorCode);

        // Nothing of that reached the topic; the commit is still the only record and is what OffsetFetch answers.
        Assert.Single(await FetchAll(client, 9));
        Assert.Equal(50, fixture.Broker.Topics.Topics.Single(t => t.Name == Offsets).Partitions.Count);
    }

    [Fact]
    public async Task Offsets_come_back_after_a_restart_and_the_cleaner_compacts_the_offsets_topic()
    {
        await using var fixture = await BrokerFixture.StartAsync(o =>
        {
            o.OffsetsTopicSegmentBytes = 4096;
            o.LogCleanerBackoffMs = 50;
        });
        using (var client = await fixture.ConnectAsync())
        {
            await CreateTopic(client, "orders");
            const int Commits = 400;
            for (int i = 1; i <= Commits; i++)
            {
                var committed = await client.SendAsync<OffsetCommitRequest, OffsetCommitResponse>(Commit("billing", "orders", i % 2, i), 8);
                Assert.Equal(ErrorCode.None, committed.Topics[0].Partitions[0].ErrorCode);
            }
            var log = (PartitionLog)fixture.Broker.Topics.Partition(Offsets, 9)!.Log; // compaction is a disk-log matter
            await TestWait.UntilAsync(() => log.FirstDirtyOffset >= log.ActiveSegmentBaseOffset && fixture.Broker.Cleaner!.CleansCompleted > 0,
                TimeSpan.FromSeconds(60), "the cleaner compacts every sealed segment of the offsets topic");
            var records = await FetchAll(client, 9);
            Assert.True(records.Count < Commits / 2, $"{records.Count} records left of {Commits}");
            var cleaned = records.Where(r => r.Offset < log.FirstDirtyOffset).Select(r => (OffsetCommitKey)OffsetsTopicFormat.DecodeKey(r.Key)).ToList();
            Assert.Equal(cleaned.Count, cleaned.Distinct().Count());
        }

        await fixture.RestartAsync();
        using var reconnected = await fixture.ConnectAsync();
        var fetched = await reconnected.SendAsync<OffsetFetchRequest, OffsetFetchResponse>(new OffsetFetchRequest
        {
            GroupId = "billing",
            Topics = [new() { Name = "orders", PartitionIndexes = [0, 1] }],
        }, 5);
        Assert.Equal([400L, 399L], fetched.Topics[0].Partitions.Select(p => p.CommittedOffset));
        Assert.Equal(["m400", "m399"], fetched.Topics[0].Partitions.Select(p => p.Metadata));
    }
}
