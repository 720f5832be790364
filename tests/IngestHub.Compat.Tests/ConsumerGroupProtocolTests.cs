using Confluent.Kafka;
using Confluent.Kafka.Admin;
using IngestHub.Compat.Tests.Infrastructure;
using Xunit;

namespace IngestHub.Compat.Tests;

/// <summary>
/// The consumer group protocol (KIP-848) with Confluent.Kafka 2.16 (<c>group.protocol=consumer</c>): the broker
/// assigns partitions itself, a second member takes over part of them after the first gives them up, every
/// record is read once with commits checked against member epochs, and the admin client sees a consumer-type
/// group through ConsumerGroupDescribe. The classic protocol stays the default for other clients.
/// </summary>
public sealed class ConsumerGroupProtocolTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private const int Partitions = 4;
    private const int RecordsPerPartition = 25;

    private static IConsumer<string, string> Member(string bootstrap, string group, List<TopicPartition> assigned) =>
        new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = group,
            GroupProtocol = GroupProtocol.Consumer,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        })
        .SetPartitionsAssignedHandler((_, partitions) => { lock (assigned) assigned.AddRange(partitions); })
        .SetPartitionsRevokedHandler((_, partitions) => { lock (assigned) assigned.RemoveAll(p => partitions.Any(r => r.TopicPartition == p)); })
        .Build();

    [Fact]
    public async Task Two_consumer_protocol_members_share_the_partitions_the_broker_assigns_and_read_every_record_once()
    {
        await using var server = await ServerProcess.StartAsync("--broker:GroupConsumerHeartbeatIntervalMs=500");
        string topic = $"kip848-{Guid.NewGuid():N}"[..20];
        string group = topic + "-g";
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = server.BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = Partitions, ReplicationFactor = 1 }]);
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = server.BootstrapServers }).Build())
        {
            for (int p = 0; p < Partitions; p++)
                for (int i = 0; i < RecordsPerPartition; i++)
                    producer.Produce(new TopicPartition(topic, p), new Message<string, string> { Key = $"{p}-{i}", Value = $"v{p}-{i}" });
            producer.Flush(Deadline);
        }

        var seen = new HashSet<string>();
        var assignedA = new List<TopicPartition>();
        var assignedB = new List<TopicPartition>();
        using var a = Member(server.BootstrapServers, group, assignedA);
        a.Subscribe(topic);

        // The first member alone gets every partition and reads a part of the records.
        var deadline = DateTime.UtcNow + Deadline;
        while (seen.Count < 20 && DateTime.UtcNow < deadline)
        {
            var record = a.Consume(TimeSpan.FromMilliseconds(200));
            if (record is null)
                continue;
            Assert.True(seen.Add(record.Message.Key), $"{record.Message.Key} read twice");
            a.Commit(record);
        }
        Assert.True(seen.Count >= 20, $"the first member read {seen.Count} records: {server.Output}");
        lock (assignedA)
            Assert.Equal(Partitions, assignedA.Count);

        // A second member joins; the broker moves part of the partitions to it once the first has given them up.
        using var b = Member(server.BootstrapServers, group, assignedB);
        b.Subscribe(topic);
        deadline = DateTime.UtcNow + Deadline;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var (consumer, other) in new[] { (a, "b"), (b, "a") })
            {
                var record = consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (record is null)
                    continue;
                Assert.True(seen.Add(record.Message.Key), $"{record.Message.Key} read twice ({other} is the other member)");
                consumer.Commit(record);
            }
            int countA, countB;
            lock (assignedA)
                countA = assignedA.Count;
            lock (assignedB)
                countB = assignedB.Count;
            if (seen.Count == Partitions * RecordsPerPartition && countA > 0 && countB > 0 && countA + countB == Partitions)
                break;
        }
        lock (assignedA)
            lock (assignedB)
            {
                Assert.True(assignedA.Count > 0 && assignedB.Count > 0, $"assignments: a={assignedA.Count}, b={assignedB.Count}\n{server.Output}");
                Assert.Equal(Partitions, assignedA.Union(assignedB).Count());
                Assert.Empty(assignedA.Intersect(assignedB));
            }
        Assert.Equal(Partitions * RecordsPerPartition, seen.Count);

        // Admin views: a consumer-type group, Stable, with both members and their assignments.
        ConsumerGroupDescription? description = null;
        await Polling.Eventually(async () =>
        {
            var described = await admin.DescribeConsumerGroupsAsync([group], new DescribeConsumerGroupsOptions { RequestTimeout = Deadline });
            description = Assert.Single(described.ConsumerGroupDescriptions);
            return description.State == ConsumerGroupState.Stable && description.Members.Count == 2;
        }, Deadline, "the group should become Stable with two members");
        Assert.Equal(ConsumerGroupType.Consumer, description!.GroupType);
        Assert.Equal(Partitions, description.Members.Sum(m => m.Assignment.TopicPartitions.Count));
        var committed = Assert.Single(await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group,
            [.. Enumerable.Range(0, Partitions).Select(p => new TopicPartition(topic, p))])]));
        Assert.All(committed.Partitions, p => Assert.Equal(RecordsPerPartition, p.Offset.Value));

        a.Close();
        b.Close();
        await Polling.Eventually(async () =>
        {
            var listed = await admin.ListConsumerGroupsAsync(new ListConsumerGroupsOptions { MatchTypes = [ConsumerGroupType.Consumer] });
            return listed.Valid.Any(g => g.GroupId == group && g.State == ConsumerGroupState.Empty);
        }, Deadline, "the group should be listed as an empty consumer group after both members left");
    }
}
