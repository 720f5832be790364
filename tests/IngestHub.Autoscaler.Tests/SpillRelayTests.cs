using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using IngestHub.Autoscaler.TestAppliance;
using IngestHub.Pipelines.Runtime;
using IngestHub.Testing;
using IngestHub.Testing.Redis;
using Xunit;

namespace IngestHub.Autoscaler.Tests;

/// <summary>
/// What relay mode writes to the spill topic, read back with a third-party client (Confluent.Kafka): every source
/// record from the switch on, none skipped, with its key, value, timestamp and headers as they were and its origin in
/// the three <c>ingesthub.spill.*</c> headers; a keyed record in the spill partition the Java client's murmur2
/// partitioner picks for its key (librdkafka's <c>murmur2</c> is Java-compatible), each key's records in one spill
/// partition in source order; records without a key spread over the spill partitions.
/// </summary>
public sealed class SpillRelayTests(ITestOutputHelper output)
{
    private const string Connector = "clicks-to-redis";
    private const int PerPartition = 200;
    private const int SpillPartitions = 20;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Relayed_records_keep_bytes_timestamp_and_headers_keys_hash_like_the_java_client_and_null_keys_spread()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var appliance = await ApplianceHost.StartAsync(TestAppliance.TestAppliance.Configure, "--monitoring:SampleIntervalSeconds=1");
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = appliance.Bootstrap }).Build())
        {
            await admin.CreateTopicsAsync([
                new Confluent.Kafka.Admin.TopicSpecification { Name = "clicks", NumPartitions = 2, ReplicationFactor = 1 },
                new Confluent.Kafka.Admin.TopicSpecification { Name = "reference", NumPartitions = SpillPartitions, ReplicationFactor = 1 },
            ]);
        }

        // Source partition p holds keys user-p, user-(p+2), ... (a key lives in one partition), every other record without a key.
        var produced = new Dictionary<(int Partition, long Offset), Message<byte[]?, byte[]>>();
        var timestamp = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        using (var producer = new ProducerBuilder<byte[]?, byte[]>(new ProducerConfig { BootstrapServers = appliance.Bootstrap, EnableIdempotence = true, LingerMs = 5 }).Build())
        {
            for (int p = 0; p < 2; p++)
            {
                for (int i = 0; i < PerPartition; i++)
                {
                    byte[]? key = i % 2 == 0 ? Encoding.UTF8.GetBytes($"user-{p + 2 * (i / 2 % 10)}") : null;
                    var message = new Message<byte[]?, byte[]>
                    {
                        Key = key,
                        Value = Encoding.UTF8.GetBytes($"{{\"id\":\"{p}-{i}\",\"key\":\"{(key is null ? "none" : Encoding.UTF8.GetString(key))}\",\"seq\":{i}}}"),
                        Timestamp = new Timestamp(timestamp.AddMilliseconds(p * PerPartition + i)),
                        Headers = new Headers { { "trace", Encoding.UTF8.GetBytes($"t-{p}-{i}") }, { "empty", [] } },
                    };
                    var result = await producer.ProduceAsync(new TopicPartition("clicks", p), message);
                    produced[(p, result.Offset.Value)] = message;
                }
            }
        }

        // Where the Java client would put each key among 20 partitions.
        var reference = new Dictionary<string, int>(StringComparer.Ordinal);
        using (var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = appliance.Bootstrap, Partitioner = Partitioner.Murmur2 }).Build())
        {
            foreach (var key in produced.Values.Where(m => m.Key is not null).Select(m => Encoding.UTF8.GetString(m.Key!)).Distinct())
                reference[key] = (await producer.ProduceAsync("reference", new Message<byte[], byte[]> { Key = Encoding.UTF8.GetBytes(key), Value = [] })).Partition.Value;
        }

        // One event a second, one at a time: the spill pool cannot drain the spill while the test reads it.
        var config = SpillProofTests.Definition("clicks", redis.Port, 1_000_000, new JsonObject
        {
            ["max"] = 2,
            ["lagThreshold"] = 1,
            ["interval"] = "1s",
            ["spill"] = new JsonObject { ["threshold"] = 1_000_000_000, ["factor"] = 10, ["maxWorkers"] = 1 },
        });
        config["output"]!["batch.size"] = 1;
        config["output"]!["linger.ms"] = 0;
        using (var created = await appliance.Http.PostAsJsonAsync("connectors", new JsonObject { ["name"] = Connector, ["config"] = config }))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await Poll.UntilAsync(async () =>
        {
            using var spill = await appliance.Http.PostAsync($"api/autoscaler/{Connector}/spill", null);
            return spill.StatusCode == HttpStatusCode.Accepted;
        }, Deadline, () => "the autoscaler accepting the spill");

        // Read the whole spill topic until the relay has reached the end of both source partitions.
        var spilled = new List<ConsumeResult<byte[]?, byte[]>>();
        var highest = new long[] { -1, -1 };
        using (var consumer = new ConsumerBuilder<byte[]?, byte[]>(new ConsumerConfig
        {
            BootstrapServers = appliance.Bootstrap,
            GroupId = "spill-reader",
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            TopicMetadataRefreshIntervalMs = 1_000,
        }).Build())
        {
            JsonObject? target = null;
            await Poll.UntilAsync(async () =>
            {
                target = await SpillProofTests.TargetAsync(appliance.Http, Connector);
                return (string?)target["phase"] == "relaying";
            }, Deadline, () => $"the relaying phase; last status: {target?.ToJsonString()}");
            Assert.Equal("clicks.spill.1", (string)target!["spill"]!["topics"]!["clicks"]!);
            consumer.Assign(Enumerable.Range(0, SpillPartitions).Select(p => new TopicPartitionOffset("clicks.spill.1", p, Offset.Beginning)));
            await Poll.UntilAsync(() =>
            {
                while (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } record)
                {
                    spilled.Add(record);
                    int origin = int.Parse(Header(record, SpillEnvelope.PartitionHeader));
                    highest[origin] = Math.Max(highest[origin], long.Parse(Header(record, SpillEnvelope.OffsetHeader)));
                }
                return Task.FromResult(highest[0] == PerPartition - 1 && highest[1] == PerPartition - 1);
            }, Deadline, () => $"relayed up to offsets {highest[0]} and {highest[1]} of {PerPartition - 1}; {spilled.Count} spill records read");
        }
        output.WriteLine($"{spilled.Count} records in the spill topic");

        // Every source record from where the relay took over to the end, none skipped; each exactly as produced.
        for (int p = 0; p < 2; p++)
        {
            var offsets = spilled.Where(r => Header(r, SpillEnvelope.PartitionHeader) == p.ToString()).Select(r => long.Parse(Header(r, SpillEnvelope.OffsetHeader))).ToHashSet();
            long first = offsets.Min();
            output.WriteLine($"clicks-{p}: relayed {first}..{PerPartition - 1}");
            Assert.Equal(PerPartition - first, offsets.Count);
            Assert.True(first < PerPartition / 2, $"the relay took over clicks-{p} only at offset {first}");
        }
        foreach (var record in spilled)
        {
            int partition = int.Parse(Header(record, SpillEnvelope.PartitionHeader));
            long offset = long.Parse(Header(record, SpillEnvelope.OffsetHeader));
            var original = produced[(partition, offset)];
            Assert.Equal("clicks", Header(record, SpillEnvelope.TopicHeader));
            Assert.Equal(original.Key, record.Message.Key);
            Assert.Equal(original.Value, record.Message.Value);
            Assert.Equal(original.Timestamp.UnixTimestampMs, record.Message.Timestamp.UnixTimestampMs);
            Assert.Equal(TimestampType.CreateTime, record.Message.Timestamp.Type);
            Assert.Equal(
                [("trace", $"t-{partition}-{offset}"), ("empty", ""), (SpillEnvelope.TopicHeader, "clicks"), (SpillEnvelope.PartitionHeader, partition.ToString()), (SpillEnvelope.OffsetHeader, offset.ToString())],
                record.Message.Headers.Select(h => (h.Key, Encoding.UTF8.GetString(h.GetValueBytes()))));
            if (original.Key is { } key)
                Assert.Equal(reference[Encoding.UTF8.GetString(key)], record.Partition.Value);
        }

        // A key's records: one spill partition, in source order.
        foreach (var key in spilled.Where(r => r.Message.Key is not null).GroupBy(r => Encoding.UTF8.GetString(r.Message.Key!)))
        {
            Assert.Single(key.Select(r => r.Partition.Value).Distinct());
            var origin = key.OrderBy(r => r.Offset.Value).Select(r => long.Parse(Header(r, SpillEnvelope.OffsetHeader))).ToList();
            Assert.Equal(origin.Order(), origin);
        }
        int nullKeyPartitions = spilled.Where(r => r.Message.Key is null).Select(r => r.Partition.Value).Distinct().Count();
        output.WriteLine($"records without a key in {nullKeyPartitions} of {SpillPartitions} spill partitions");
        Assert.True(nullKeyPartitions >= SpillPartitions / 2, $"records without a key in only {nullKeyPartitions} spill partitions");
    }

    private static string Header(ConsumeResult<byte[]?, byte[]> record, string key) =>
        record.Message.Headers.TryGetLastBytes(key, out var value) ? Encoding.UTF8.GetString(value) : throw new InvalidOperationException($"no {key} header");
}
