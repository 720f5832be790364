using System.Text;
using IngestHub.Client;
using IngestHub.Pipelines;

namespace IngestHub.Server.Pipelines;

/// <summary>The last records of a topic, read without a consumer group (nothing is committed), for the filter preview.</summary>
public static class TopicSample
{
    public static async Task<IReadOnlyList<PipelinePreview.Sample>> LastAsync(ClientOptions kafka, string topic, int count, CancellationToken cancellationToken)
    {
        var options = kafka.CopyConnectionTo(new ClientOptions { ClientId = "ingesthub-preview", ConnectTimeoutMs = 5_000 });
        await using var admin = new KafkaAdminClient(options);
        var metadata = await admin.DescribeTopicsAsync([topic], cancellationToken);
        if (!metadata.Topics.TryGetValue(topic, out var found) || found.Error != Protocol.ErrorCode.None)
            throw new KeyNotFoundException($"topic {topic} does not exist");
        var partitions = found.Partitions.Select(p => new TopicPartition(topic, p.Partition)).ToList();
        var ends = await admin.ListOffsetsAsync(partitions, -1, cancellationToken);
        var starts = await admin.ListOffsetsAsync(partitions, -2, cancellationToken);
        var from = new List<TopicPartitionOffset>();
        long wanted = 0;
        foreach (var p in partitions)
        {
            long start = Math.Max(starts[p], ends[p] - count);
            if (start < ends[p])
            {
                from.Add(new TopicPartitionOffset(p, start));
                wanted += ends[p] - start;
            }
        }
        var samples = new List<PipelinePreview.Sample>();
        if (from.Count == 0)
            return samples;
        await using var consumer = new KafkaConsumer(kafka.CopyConnectionTo(new ConsumerOptions
        {
            ClientId = "ingesthub-preview",
            EnableAutoCommit = false,
            ConnectTimeoutMs = 5_000,
        }));
        consumer.Assign(from);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            while (samples.Count < wanted)
            {
                var r = await consumer.ConsumeAsync(deadline.Token);
                if (r.Offset >= ends[r.TopicPartition])
                    continue;
                samples.Add(new PipelinePreview.Sample(r.Value is null ? "" : Encoding.UTF8.GetString(r.Value), r.Topic, r.Partition, r.Offset, r.Timestamp));
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // What arrived before the deadline is the sample.
        }
        return [.. samples.OrderBy(s => s.Timestamp).ThenBy(s => s.Partition).ThenBy(s => s.Offset).TakeLast(count)];
    }
}
