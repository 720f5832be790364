using IngestHub.Client;
using IngestHub.Protocol;

namespace IngestHub.Testing;

/// <summary>Reads a topic's records from the beginning through the Kafka protocol, as any consumer would.</summary>
public static class TopicReader
{
    /// <summary>Every record currently in the topic (all partitions, up to their end offsets); empty when the topic does not exist.</summary>
    public static async Task<IReadOnlyList<ConsumeResult>> ReadAllAsync(string bootstrap, string topic, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        await using var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = bootstrap });
        var metadata = await admin.DescribeTopicsAsync([topic], cts.Token);
        if (!metadata.Topics.TryGetValue(topic, out var described) || described.Error != ErrorCode.None)
            return [];
        var partitions = described.Partitions.Select(p => new TopicPartition(topic, p.Partition)).ToList();
        var ends = await admin.ListOffsetsAsync(partitions, KafkaAdminClient.Latest, cts.Token);
        var result = new List<ConsumeResult>();
        var pending = partitions.Where(p => ends[p] > 0).ToHashSet();
        if (pending.Count == 0)
            return result;
        await using var consumer = new KafkaConsumer(new ConsumerOptions { BootstrapServers = bootstrap, EnableAutoCommit = false, FetchMaxWaitMs = 100 });
        consumer.Assign(pending.Select(p => new TopicPartitionOffset(p, 0)));
        while (pending.Count > 0)
        {
            var record = await consumer.ConsumeAsync(cts.Token);
            if (record.Offset < ends[record.TopicPartition])
                result.Add(record);
            if (record.Offset + 1 >= ends[record.TopicPartition])
                pending.Remove(record.TopicPartition);
        }
        return result;
    }
}
