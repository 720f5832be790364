using System.Text;
using IngestHub.Client.Internal;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using Xunit;

namespace IngestHub.Client.Tests;

/// <summary>
/// A fetch or start-offset lookup that keeps failing reaches the application: after
/// <see cref="ConsumerOptions.FetchFailuresBeforeError"/> failures in a row the next consume throws the broker's
/// error (and the fetcher keeps retrying, so the consumer works again once the cause is gone).
/// </summary>
public sealed class RepeatedFetchFailureTests(BrokerFixture broker)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<string> TopicWithRecordsAsync(int count)
    {
        string topic = BrokerFixture.UniqueName("fail");
        await using var producer = new KafkaProducer(new ProducerOptions { BootstrapServers = broker.BootstrapServers });
        for (int i = 0; i < count; i++)
            await producer.ProduceAsync(topic, null, Encoding.UTF8.GetBytes("v" + i), partition: 0, cancellationToken: Ct);
        return topic;
    }

    [Fact]
    public async Task A_partition_truncated_past_the_position_with_no_reset_policy_is_thrown_to_the_application()
    {
        string topic = await TopicWithRecordsAsync(10);
        await using (var cluster = new ClusterClient(new ClientOptions { BootstrapServers = broker.BootstrapServers }))
        {
            var metadata = await cluster.RefreshMetadataAsync([topic], false, Ct);
            int leader = metadata.LeaderOf(new TopicPartition(topic, 0));
            var deleted = await cluster.SendAsync<DeleteRecordsRequest, DeleteRecordsResponse>(leader, new DeleteRecordsRequest
            {
                TimeoutMs = 10_000,
                Topics = [new DeleteRecordsRequest.Topic { Name = topic, Partitions = [new() { PartitionIndex = 0, Offset = 8 }] }],
            }, Ct);
            Assert.Equal(8, deleted.Topics[0].Partitions[0].LowWatermark);
        }

        await using var consumer = new KafkaConsumer(new ConsumerOptions
        {
            BootstrapServers = broker.BootstrapServers,
            AutoOffsetReset = AutoOffsetReset.None,
            RetryBackoffMs = 50,
        });
        var tp = new TopicPartition(topic, 0);
        consumer.Assign([new TopicPartitionOffset(tp, 2)]);
        var error = await Assert.ThrowsAsync<KafkaException>(async () => await consumer.ConsumeAsync(Deadline, Ct));
        Assert.Equal(ErrorCode.OffsetOutOfRange, error.ErrorCode);
        Assert.Contains(tp.ToString(), error.Message);

        // Fetching goes on: once the position is valid again, records arrive (a failure reported before the seek
        // took effect may still be thrown once).
        consumer.Seek(tp, 8);
        ConsumeResult? record;
        try
        {
            record = await consumer.ConsumeAsync(Deadline, Ct);
        }
        catch (KafkaException late) when (late.ErrorCode == ErrorCode.OffsetOutOfRange)
        {
            record = await consumer.ConsumeAsync(Deadline, Ct);
        }
        Assert.NotNull(record);
        Assert.Equal((8L, "v8"), (record.Offset, Encoding.UTF8.GetString(record.Value!)));
    }

    [Fact]
    public async Task A_group_member_without_committed_offsets_and_no_reset_policy_gets_the_lookup_failure()
    {
        string topic = await TopicWithRecordsAsync(3);
        await using var consumer = new KafkaConsumer(new ConsumerOptions
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = BrokerFixture.UniqueName("fail-g"),
            AutoOffsetReset = AutoOffsetReset.None,
            RetryBackoffMs = 50,
        });
        consumer.Assign([new TopicPartition(topic, 0)]);
        var error = await Assert.ThrowsAsync<KafkaException>(async () => await consumer.ConsumeAsync(Deadline, Ct));
        Assert.Equal(ErrorCode.OffsetOutOfRange, error.ErrorCode);
        Assert.Contains("no committed offset", error.Message);
    }
}
