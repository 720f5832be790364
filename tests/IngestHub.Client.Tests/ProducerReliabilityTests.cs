using System.Text;
using IngestHub.Protocol;
using Xunit;

namespace IngestHub.Client.Tests;

public sealed class ProducerReliabilityTests(BrokerFixture broker)
{
    [Fact]
    public async Task Idempotent_producer_retries_after_dropped_connections_without_duplicates()
    {
        string topic = BrokerFixture.UniqueName("idem");
        await using (var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = broker.BootstrapServers }))
            await admin.CreateTopicAsync(topic, 1);
        const int count = 5_000;
        await using (var producer = new KafkaProducer(new ProducerOptions { BootstrapServers = broker.BootstrapServers, LingerMs = 0, BatchSize = 1024 }))
        {
            var tasks = new List<Task<DeliveryResult>>();
            for (int i = 0; i < count; i++)
            {
                tasks.Add(producer.ProduceAsync(topic, null, Encoding.UTF8.GetBytes($"v{i}"), partition: 0));
                if (i % 500 == 250)
                {
                    // Drop the connection while requests are in flight: their acks are lost and the batches are resent.
                    foreach (int node in producer.Cluster.Metadata.Brokers.Keys)
                        producer.Cluster.Disconnect(node);
                }
            }
            var results = await Task.WhenAll(tasks);
            Assert.True(producer.ProducerId >= 0);
            Assert.All(results, r => Assert.True(r.Offset >= 0));
        }
        await using var consumer = new KafkaConsumer(new ConsumerOptions { BootstrapServers = broker.BootstrapServers, AutoOffsetReset = AutoOffsetReset.Earliest });
        consumer.Assign([new TopicPartition(topic, 0)]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var values = new List<string>();
        for (int i = 0; i < count; i++)
            values.Add(Encoding.UTF8.GetString((await consumer.ConsumeAsync(timeout.Token)).Value!));
        Assert.Null(await consumer.ConsumeAsync(TimeSpan.FromMilliseconds(500)));
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"v{i}"), values);
    }

    [Fact]
    public async Task Full_buffer_makes_produce_wait_then_fail_with_delivery_timeout_when_broker_is_down()
    {
        await using var running = await RunningBroker.StartAsync();
        string topic = BrokerFixture.UniqueName("buf");
        var options = new ProducerOptions
        {
            BootstrapServers = running.BootstrapServers,
            BufferMemory = 64 * 1024,
            // Generous enough that the buffer is seen full before the first records expire on a loaded machine.
            DeliveryTimeoutMs = 8_000,
            MaxBlockMs = 8_000,
            RequestTimeoutMs = 1_000,
            LingerMs = 1,
        };
        await using var producer = new KafkaProducer(options);
        await producer.ProduceAsync(topic, "k", "first");
        await running.StopAsync();

        var value = new byte[1000];
        var tasks = new List<Task<DeliveryResult>>();
        for (int i = 0; i < 300; i++)
        {
            tasks.Add(producer.ProduceAsync(topic, null, value));
            Assert.True(producer.BufferedBytes <= options.BufferMemory);
        }
        await Eventually.TrueAsync(() => producer.BufferedBytes > options.BufferMemory / 2, TimeSpan.FromSeconds(5), "buffer fills");
        Assert.Contains(tasks, t => !t.IsCompleted);
        Assert.True(producer.BufferedBytes <= options.BufferMemory);

        var started = DateTime.UtcNow;
        foreach (var task in tasks)
        {
            var error = await Assert.ThrowsAsync<KafkaException>(() => task);
            Assert.Equal(ErrorCode.RequestTimedOut, error.ErrorCode);
            Assert.Contains("ms", error.Message);
        }
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30));
        Assert.Equal(0, producer.BufferedBytes);
    }
}
