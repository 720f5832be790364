using System.Text;
using IngestHub.Broker.Tests.Support;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Records;
using IngestHub.Storage;
using Xunit;

namespace IngestHub.Broker.Tests;

/// <summary>A topic created with cleanup.policy=compact over the wire is compacted by the broker's background
/// cleaner; a consumer fetching from the start sees the latest value per key.</summary>
public sealed class CompactedTopicTests
{
    private static ProduceRequest Produce(string topic, byte[] batch) => new()
    {
        Acks = 1,
        TimeoutMs = 5000,
        Topics = [new ProduceRequest.Topic { Name = topic, Partitions = [new ProduceRequest.Partition { PartitionIndex = 0, Records = new MemoryRecordsPayload(batch) }] }],
    };

    private static CreateTopicsRequest Create(string name, params (string, string)[] configs) => new()
    {
        TimeoutMs = 5000,
        Topics = [new CreateTopicsRequest.Topic
        {
            Name = name,
            NumPartitions = 1,
            ReplicationFactor = 1,
            Configs = configs.Select(c => new CreateTopicsRequest.Config { Name = c.Item1, Value = c.Item2 }).ToList(),
        }],
    };

    private static async Task<List<DecodedRecord>> FetchAll(RawKafkaClient client, string topic, long end)
    {
        var records = new List<DecodedRecord>();
        long offset = 0;
        while (offset < end)
        {
            var response = await client.SendAsync<FetchRequest, FetchResponse>(new FetchRequest
            {
                MaxWaitMs = 0,
                MaxBytes = 1024 * 1024,
                Topics = [new FetchRequest.Topic { Name = topic, Partitions = [new FetchRequest.Partition { PartitionIndex = 0, FetchOffset = offset, PartitionMaxBytes = 1024 * 1024 }] }],
            }, 11);
            var partition = response.Topics[0].Partitions[0];
            Assert.Equal(ErrorCode.None, partition.ErrorCode);
            var payload = Assert.IsType<MemoryRecordsPayload>(partition.Records);
            var batch = RecordBatchDecoder.DecodeAll(payload.Bytes.Span).Where(r => r.Offset >= offset).ToList();
            if (batch.Count == 0)
                break;
            records.AddRange(batch);
            offset = batch[^1].Offset + 1;
        }
        return records;
    }

    [Fact]
    public async Task The_broker_compacts_a_compacted_topic_and_refuses_records_without_key()
    {
        await using var fixture = await BrokerFixture.StartAsync(o => o.LogCleanerBackoffMs = 50);
        using var client = await fixture.ConnectAsync();
        var created = await client.SendAsync<CreateTopicsRequest, CreateTopicsResponse>(Create("profiles",
            ("cleanup.policy", "compact"), ("segment.bytes", "16384"), ("min.cleanable.dirty.ratio", "0.01")), 4);
        Assert.Equal(ErrorCode.None, created.Topics[0].ErrorCode);

        const int Keys = 50, Updates = 5000;
        using var builder = new RecordBatchBuilder();
        for (int i = 0; i < Updates; i++)
        {
            builder.Append(1, Encoding.UTF8.GetBytes("user-" + (i % Keys)), Encoding.UTF8.GetBytes("v" + i));
            if (builder.Count == 100)
            {
                var produced = await client.SendAsync<ProduceRequest, ProduceResponse>(Produce("profiles", builder.ToArray()), 7);
                Assert.Equal(ErrorCode.None, produced.Topics[0].Partitions[0].ErrorCode);
                builder.Reset();
            }
        }
        builder.Append(1, null, Encoding.UTF8.GetBytes("no key"));
        var keyless = await client.SendAsync<ProduceRequest, ProduceResponse>(Produce("profiles", builder.ToArray()), 8); // error_message from v8
        Assert.Equal(ErrorCode.InvalidRecord, keyless.Topics[0].Partitions[0].ErrorCode);
        Assert.Contains("without key", keyless.Topics[0].Partitions[0].ErrorMessage, StringComparison.Ordinal);

        var log = (PartitionLog)fixture.Broker.Topics.Partition("profiles", 0)!.Log; // compaction is a disk-log matter
        long activeBase = 0;
        await TestWait.UntilAsync(() =>
        {
            activeBase = log.ActiveSegmentBaseOffset;
            return log.FirstDirtyOffset >= activeBase && fixture.Broker.Cleaner!.CleansCompleted > 0;
        }, TimeSpan.FromSeconds(60), "the cleaner compacts every sealed segment");

        var records = await FetchAll(client, "profiles", Updates);
        var latest = new Dictionary<string, string>();
        foreach (var r in records)
            latest[Encoding.UTF8.GetString(r.Key!)] = Encoding.UTF8.GetString(r.Value!);
        Assert.Equal(Keys, latest.Count);
        for (int k = 0; k < Keys; k++)
            Assert.Equal("v" + (Updates - Keys + k), latest["user-" + k]);
        // Below the active segment each key appears once; the active segment is left as written.
        var cleanedPart = records.Where(r => r.Offset < log.FirstDirtyOffset).ToList();
        Assert.Equal(cleanedPart.Count, cleanedPart.Select(r => Encoding.UTF8.GetString(r.Key!)).Distinct().Count());
        Assert.True(records.Count < Updates / 2, $"{records.Count} records left of {Updates}");
    }
}
