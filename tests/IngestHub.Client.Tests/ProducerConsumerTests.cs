using System.Text;
using IngestHub.Protocol;
using IngestHub.Protocol.Records;
using Xunit;

namespace IngestHub.Client.Tests;

public sealed class ProducerConsumerTests(BrokerFixture broker)
{
    private async Task<string> CreateTopicAsync(int partitions)
    {
        string topic = BrokerFixture.UniqueName("pc");
        await using var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = broker.BootstrapServers });
        await admin.CreateTopicAsync(topic, partitions);
        return topic;
    }

    private static async Task<List<ConsumeResult>> ReadAllAsync(string bootstrap, string topic, int partitions, int expected)
    {
        await using var consumer = new KafkaConsumer(new ConsumerOptions { BootstrapServers = bootstrap, AutoOffsetReset = AutoOffsetReset.Earliest });
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)));
        var results = new List<ConsumeResult>(expected);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (results.Count < expected)
            results.Add(await consumer.ConsumeAsync(timeout.Token));
        Assert.Null(await consumer.ConsumeAsync(TimeSpan.FromMilliseconds(300)));
        return results;
    }

    [Fact]
    public async Task Fifty_thousand_keyed_records_round_trip_in_partition_order_with_murmur2_placement()
    {
        const int count = 50_000;
        string topic = await CreateTopicAsync(3);
        long baseTime = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 100_000;
        var tasks = new Task<DeliveryResult>[count];
        await using (var producer = new KafkaProducer(new ProducerOptions { BootstrapServers = broker.BootstrapServers }))
        {
            for (int i = 0; i < count; i++)
            {
                var headers = i % 10 == 0 ? new[] { new Header("n", Encoding.UTF8.GetBytes(i.ToString())), new Header("null", null) } : null;
                tasks[i] = producer.ProduceAsync(topic, Encoding.UTF8.GetBytes($"key-{i % 1000}"), Encoding.UTF8.GetBytes($"value-{i}"),
                    headers, timestamp: baseTime + i);
            }
            await producer.FlushAsync();
        }
        var delivered = await Task.WhenAll(tasks);

        var records = await ReadAllAsync(broker.BootstrapServers, topic, 3, count);
        var byValue = records.ToDictionary(r => Encoding.UTF8.GetString(r.Value!));
        for (int i = 0; i < count; i++)
        {
            var record = byValue[$"value-{i}"];
            byte[] key = Encoding.UTF8.GetBytes($"key-{i % 1000}");
            Assert.Equal(key, record.Key);
            Assert.Equal(Murmur2.Partition(key, 3), record.Partition);
            Assert.Equal(delivered[i].Partition, record.Partition);
            Assert.Equal(delivered[i].Offset, record.Offset);
            Assert.Equal(baseTime + i, record.Timestamp);
            if (i % 10 == 0)
            {
                Assert.Equal(2, record.Headers.Count);
                Assert.Equal(i.ToString(), Encoding.UTF8.GetString(record.Headers[0].Value!));
                Assert.Null(record.Headers[1].Value);
            }
            else
            {
                Assert.Empty(record.Headers);
            }
        }
        // Per partition, offsets are consecutive and follow produce order.
        foreach (var partition in records.GroupBy(r => r.Partition))
        {
            var list = partition.ToList();
            for (int j = 1; j < list.Count; j++)
            {
                Assert.Equal(list[j - 1].Offset + 1, list[j].Offset);
                Assert.True(list[j - 1].Timestamp < list[j].Timestamp);
            }
        }
    }

    [Theory]
    [InlineData(CompressionType.Gzip, Acks.All)]
    [InlineData(CompressionType.Snappy, Acks.All)]
    [InlineData(CompressionType.Lz4, Acks.All)]
    [InlineData(CompressionType.Zstd, Acks.All)]
    [InlineData(CompressionType.None, Acks.Leader)]
    [InlineData(CompressionType.Gzip, Acks.None)]
    public async Task Compression_and_acks_round_trip(CompressionType compression, Acks acks)
    {
        const int count = 2_000;
        string topic = await CreateTopicAsync(2);
        var options = new ProducerOptions
        {
            BootstrapServers = broker.BootstrapServers,
            CompressionType = compression,
            Acks = acks,
            EnableIdempotence = acks == Acks.All,
        };
        await using (var producer = new KafkaProducer(options))
        {
            var results = await Task.WhenAll(Enumerable.Range(0, count).Select(i =>
                producer.ProduceAsync(topic, null, Encoding.UTF8.GetBytes(new string('x', i % 50) + i))));
            if (acks == Acks.None)
                Assert.All(results, r => Assert.Equal(-1, r.Offset));
            else
                Assert.Equal(count, results.Select(r => (r.Partition, r.Offset)).Distinct().Count());
        }
        var records = await ReadAllAsync(broker.BootstrapServers, topic, 2, count);
        var values = records.Select(r => Encoding.UTF8.GetString(r.Value!)).ToHashSet();
        for (int i = 0; i < count; i++)
            Assert.Contains(new string('x', i % 50) + i, values);
    }

    [Fact]
    public async Task Fire_and_forget_produce_reports_every_delivery()
    {
        string topic = await CreateTopicAsync(3);
        int delivered = 0, failed = 0;
        await using (var producer = new KafkaProducer(new ProducerOptions { BootstrapServers = broker.BootstrapServers }))
        {
            for (int i = 0; i < 1000; i++)
            {
                producer.Produce(topic, null, Encoding.UTF8.GetBytes($"v{i}"), report =>
                {
                    if (report.IsSuccess)
                        Interlocked.Increment(ref delivered);
                    else
                        Interlocked.Increment(ref failed);
                }, partition: i % 3);
            }
        }
        Assert.Equal(1000, delivered);
        Assert.Equal(0, failed);
    }

    [Fact]
    public async Task Consumer_seeks_pauses_and_resumes()
    {
        string topic = await CreateTopicAsync(1);
        await using (var producer = new KafkaProducer(new ProducerOptions { BootstrapServers = broker.BootstrapServers }))
        {
            for (int i = 0; i < 100; i++)
                _ = producer.ProduceAsync(topic, null, Encoding.UTF8.GetBytes($"v{i}"));
            await producer.FlushAsync();
        }
        var tp = new TopicPartition(topic, 0);
        await using var consumer = new KafkaConsumer(new ConsumerOptions { BootstrapServers = broker.BootstrapServers, AutoOffsetReset = AutoOffsetReset.Earliest });
        consumer.Assign([new TopicPartitionOffset(tp, 42)]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Assert.Equal(42, (await consumer.ConsumeAsync(timeout.Token)).Offset);
        consumer.Seek(tp, 90);
        Assert.Equal(90, (await consumer.ConsumeAsync(timeout.Token)).Offset);
        consumer.Pause([tp]);
        Assert.Null(await consumer.ConsumeAsync(TimeSpan.FromMilliseconds(300)));
        consumer.Resume([tp]);
        Assert.Equal(91, (await consumer.ConsumeAsync(timeout.Token)).Offset);
        Assert.Equal(92, consumer.Position(tp));
    }

    [Fact]
    public async Task Out_of_range_offset_resets_to_earliest()
    {
        string topic = await CreateTopicAsync(1);
        await using (var producer = new KafkaProducer(new ProducerOptions { BootstrapServers = broker.BootstrapServers }))
            await producer.ProduceAsync(topic, "k", "v");
        await using var consumer = new KafkaConsumer(new ConsumerOptions { BootstrapServers = broker.BootstrapServers, AutoOffsetReset = AutoOffsetReset.Earliest });
        consumer.Assign([new TopicPartitionOffset(topic, 0, 1_000)]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Assert.Equal(0, (await consumer.ConsumeAsync(timeout.Token)).Offset);
    }

    [Fact]
    public async Task Unknown_partition_is_rejected_with_a_kafka_error()
    {
        string topic = await CreateTopicAsync(1);
        await using var producer = new KafkaProducer(new ProducerOptions { BootstrapServers = broker.BootstrapServers });
        var error = await Assert.ThrowsAsync<KafkaException>(() => producer.ProduceAsync(topic, null, [1], partition: 5));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, error.ErrorCode);
    }
}
