using System.Text;
using IngestHub.Client;

namespace IngestHub.Streams.Tests;

/// <summary>Producing, reading and inspecting topics and groups of the test broker with IngestHub.Client.</summary>
public sealed class KafkaTestClient(string bootstrap) : IAsyncDisposable
{
    private readonly KafkaProducer _producer = new(new ProducerOptions { BootstrapServers = bootstrap, LingerMs = 5, ClientId = "streams-tests" });
    private readonly KafkaAdminClient _admin = new(new ClientOptions { BootstrapServers = bootstrap, ClientId = "streams-tests" });

    public KafkaAdminClient Admin => _admin;

    public async Task CreateTopicAsync(string topic, int partitions) => await _admin.CreateTopicAsync(topic, partitions);

    public async Task ProduceAsync(string topic, IEnumerable<(string? Key, string Value, int? Partition)> records)
    {
        var sends = new List<Task<DeliveryResult>>();
        foreach (var (key, value, partition) in records)
            sends.Add(_producer.ProduceAsync(topic, key is null ? null : Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value), partition: partition));
        await Task.WhenAll(sends);
    }

    public async Task<long> CommittedAsync(string group, string topic, int partition)
    {
        var offsets = await _admin.ListGroupOffsetsAsync(group, [new TopicPartition(topic, partition)]);
        return offsets.GetValueOrDefault(new TopicPartition(topic, partition), -1);
    }

    /// <summary>Every record of the topic from the beginning (polls until <paramref name="expected"/> arrived or the deadline).</summary>
    public async Task<List<ConsumeResult>> ReadAllAsync(string topic, int expected, TimeSpan timeout)
    {
        var metadata = await _admin.DescribeTopicsAsync([topic]);
        var partitions = metadata.Topics.TryGetValue(topic, out var t) ? t.Partitions.Select(p => new TopicPartition(topic, p.Partition)).ToList() : [];
        await using var consumer = new KafkaConsumer(new ConsumerOptions { BootstrapServers = bootstrap, AutoOffsetReset = AutoOffsetReset.Earliest, ClientId = "streams-tests-reader" });
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(p, 0)));
        var result = new List<ConsumeResult>();
        var deadline = DateTime.UtcNow + timeout;
        while (result.Count < expected && DateTime.UtcNow < deadline)
        {
            if (await consumer.ConsumeAsync(TimeSpan.FromMilliseconds(200)) is { } record)
                result.Add(record);
        }
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        await _producer.DisposeAsync();
        await _admin.DisposeAsync();
    }
}
