using IngestHub.Client;
using IngestHub.Protocol;

namespace IngestHub.Cli.Bench;

/// <summary>The benchmark topic: created with the requested partitions when missing, else used as it is.</summary>
public static class BenchTopic
{
    public static async Task<int> EnsureAsync(BenchSettings settings, CancellationToken ct)
    {
        await using var admin = new KafkaAdminClient(settings.AdminOptions());
        var metadata = await admin.DescribeTopicsAsync([settings.Topic], ct);
        if (metadata.Topics.TryGetValue(settings.Topic, out var topic) && topic.Error == ErrorCode.None && topic.Partitions.Count > 0)
            return topic.Partitions.Count;
        try
        {
            await admin.CreateTopicsAsync([new NewTopic(settings.Topic, settings.Partitions)], ct);
        }
        catch (KafkaException ex) when (ex.ErrorCode == ErrorCode.TopicAlreadyExists)
        {
        }
        // The topic is usable once Metadata lists a leader for every partition.
        long deadline = Environment.TickCount64 + 10_000;
        while (true)
        {
            metadata = await admin.DescribeTopicsAsync([settings.Topic], ct);
            if (metadata.Topics.TryGetValue(settings.Topic, out topic) && topic.Error == ErrorCode.None && topic.Partitions.Count > 0
                && topic.Partitions.All(p => p.Leader >= 0))
                return topic.Partitions.Count;
            if (Environment.TickCount64 > deadline)
                throw new CliException($"topic '{settings.Topic}' was created but has no leaders after 10 s");
            await Task.Delay(50, ct);
        }
    }

    /// <summary>Earliest and latest offsets of every partition.</summary>
    public static async Task<(IReadOnlyDictionary<TopicPartition, long> Start, IReadOnlyDictionary<TopicPartition, long> End)> OffsetsAsync(
        BenchSettings settings, int partitions, CancellationToken ct)
    {
        await using var admin = new KafkaAdminClient(settings.AdminOptions());
        var list = Enumerable.Range(0, partitions).Select(p => new TopicPartition(settings.Topic, p)).ToList();
        return (await admin.ListOffsetsAsync(list, KafkaAdminClient.Earliest, ct), await admin.ListOffsetsAsync(list, KafkaAdminClient.Latest, ct));
    }
}
