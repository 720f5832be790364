using System.Text;
using IngestHub.Protocol;
using Xunit;

namespace IngestHub.Client.Tests;

public sealed class AdminAndGroupTests(BrokerFixture broker)
{
    private ConsumerOptions GroupOptions(string group) => new()
    {
        BootstrapServers = broker.BootstrapServers,
        GroupId = group,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        SessionTimeoutMs = 6000,
        HeartbeatIntervalMs = 200,
        MaxPollIntervalMs = 6000,
        EnableAutoCommit = false,
    };

    private async Task ProduceAsync(string topic, int count, int partitions)
    {
        await using var producer = new KafkaProducer(new ProducerOptions { BootstrapServers = broker.BootstrapServers, LingerMs = 1 });
        await Task.WhenAll(Enumerable.Range(0, count).Select(i => producer.ProduceAsync(topic, null, Encoding.UTF8.GetBytes($"v{i}"), partition: i % partitions)));
    }

    [Fact]
    public async Task Admin_creates_describes_grows_lists_offsets_and_deletes_topics()
    {
        string topic = BrokerFixture.UniqueName("admin");
        await using var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = broker.BootstrapServers });
        await admin.CreateTopicsAsync([new NewTopic(topic, 2, 1, new Dictionary<string, string> { ["retention.ms"] = "3600000" })]);
        var described = await admin.DescribeTopicsAsync([topic]);
        Assert.Equal(2, described.Topics[topic].Partitions.Count);
        var duplicate = await Assert.ThrowsAsync<KafkaException>(() => admin.CreateTopicAsync(topic, 2));
        Assert.Equal(ErrorCode.TopicAlreadyExists, duplicate.ErrorCode);

        var configs = await admin.DescribeTopicConfigsAsync(topic);
        Assert.Contains(configs, c => c.Name == "retention.ms" && c.Value == "3600000");

        await admin.CreatePartitionsAsync(topic, 4);
        Assert.Equal(4, (await admin.DescribeTopicsAsync([topic])).Topics[topic].Partitions.Count);

        await ProduceAsync(topic, 40, 4);
        var partitions = Enumerable.Range(0, 4).Select(p => new TopicPartition(topic, p)).ToList();
        var latest = await admin.ListOffsetsAsync(partitions, KafkaAdminClient.Latest);
        var earliest = await admin.ListOffsetsAsync(partitions, KafkaAdminClient.Earliest);
        Assert.All(partitions, p => Assert.Equal(10, latest[p]));
        Assert.All(partitions, p => Assert.Equal(0, earliest[p]));
        var byTime = await admin.ListOffsetsAsync(partitions, 0);
        Assert.All(partitions, p => Assert.Equal(0, byTime[p]));

        await admin.DeleteTopicsAsync([topic]);
        var after = await admin.DescribeTopicsAsync([topic]);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, after.Topics[topic].Error);
    }

    [Fact]
    public async Task Two_group_members_share_partitions_then_one_takes_over_and_commits_resume_after_restart()
    {
        string topic = BrokerFixture.UniqueName("grp");
        string group = BrokerFixture.UniqueName("g");
        await using (var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = broker.BootstrapServers }))
            await admin.CreateTopicAsync(topic, 6);
        await ProduceAsync(topic, 600, 6);

        var seen = new System.Collections.Concurrent.ConcurrentDictionary<(int, long), int>();
        var revokedCalls = 0;
        var a = new KafkaConsumer(GroupOptions(group));
        var b = new KafkaConsumer(GroupOptions(group));
        a.PartitionsRevoked = _ => Interlocked.Increment(ref revokedCalls);
        a.Subscribe([topic]);
        b.Subscribe([topic]);
        await Eventually.TrueAsync(() => a.Assignment.Count == 3 && b.Assignment.Count == 3, TimeSpan.FromSeconds(15), "3 partitions each");
        Assert.Empty(a.Assignment.Intersect(b.Assignment));

        // Each member consumes and commits its half: 300 records.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        async Task ConsumeAsync(KafkaConsumer consumer, int count)
        {
            for (int i = 0; i < count; i++)
            {
                var record = await consumer.ConsumeAsync(timeout.Token);
                seen.AddOrUpdate((record.Partition, record.Offset), 1, (_, n) => n + 1);
            }
            await consumer.CommitAsync(timeout.Token);
        }
        await Task.WhenAll(ConsumeAsync(a, 300), ConsumeAsync(b, 300));
        Assert.Equal(600, seen.Count);
        Assert.All(seen.Values, n => Assert.Equal(1, n));

        await b.DisposeAsync();
        await Eventually.TrueAsync(() => a.Assignment.Count == 6, TimeSpan.FromSeconds(15), "survivor owns all partitions");
        Assert.True(revokedCalls >= 1);

        await using (var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = broker.BootstrapServers }))
        {
            var lag = await admin.GetGroupLagAsync(group, [topic]);
            Assert.Equal(6, lag.Count);
            Assert.All(lag, l => Assert.Equal(0, l.Lag));
            var description = await admin.DescribeGroupAsync(group);
            Assert.Single(description.Members);
            Assert.Equal(6, description.Members[0].Assignment.Count);
        }

        // New records after the commit: a restarted member resumes from the committed offsets.
        await ProduceAsync(topic, 60, 6);
        await a.DisposeAsync();
        await using (var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = broker.BootstrapServers }))
        {
            var lag = await admin.GetGroupLagAsync(group, [topic]);
            Assert.Equal(60, lag.Sum(l => l.Lag));
        }
        await using var restarted = new KafkaConsumer(GroupOptions(group));
        restarted.Subscribe([topic]);
        var resumed = new List<ConsumeResult>();
        for (int i = 0; i < 60; i++)
            resumed.Add(await restarted.ConsumeAsync(timeout.Token));
        Assert.All(resumed, r => Assert.True(r.Offset >= 100));
        Assert.Equal(60, resumed.Select(r => (r.Partition, r.Offset)).Distinct().Count());
        Assert.Null(await restarted.ConsumeAsync(TimeSpan.FromMilliseconds(300)));
    }
}
