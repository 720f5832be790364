using Confluent.Kafka;
using Confluent.Kafka.Admin;
using IngestHub.Compat.Tests.Infrastructure;
using Xunit;

namespace IngestHub.Compat.Tests;

/// <summary>
/// Groups across a SIGKILL and restart of the server, as Kafka's coordinator restores them from
/// <c>__consumer_offsets</c>: a classic group comes back Stable with its members, generation and assignments, so a
/// librdkafka member (Confluent.Kafka 2.16) that reconnects within its session keeps its member id and partitions
/// without a rebalance, while a member that never returns (a kcat killed during the outage) is removed once its
/// session timeout has passed, and the survivor then takes every partition in a new generation.
/// </summary>
public sealed class GroupRestoreTests
{
    private const int Partitions = 4;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_returning_member_keeps_its_id_generation_and_partitions_and_one_that_stays_away_is_removed_after_its_session()
    {
        await using var server = await ServerProcess.StartAsync("--broker:GroupInitialRebalanceDelayMs=500");
        string topic = $"restore-{Guid.NewGuid():N}"[..20];
        string group = topic + "-g";
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = server.BootstrapServers }).Build())
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = Partitions, ReplicationFactor = 1 }]);
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = server.BootstrapServers }).Build())
        {
            for (int p = 0; p < Partitions; p++)
                for (int i = 0; i < 10; i++)
                    producer.Produce(new TopicPartition(topic, p), new Message<string, string> { Key = $"{p}-{i}", Value = "v" });
            producer.Flush(Deadline);
        }

        var assigned = new List<TopicPartition>();
        int rebalanceCallbacks = 0;
        using var returning = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = server.BootstrapServers,
            GroupId = group,
            ClientId = "returning",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            // Long enough to outlast the restart on a loaded machine; librdkafka rejoins by itself after it.
            SessionTimeoutMs = 60_000,
            HeartbeatIntervalMs = 1000,
        })
        .SetPartitionsAssignedHandler((_, partitions) => { Interlocked.Increment(ref rebalanceCallbacks); lock (assigned) assigned.AddRange(partitions); })
        .SetPartitionsRevokedHandler((_, partitions) => { Interlocked.Increment(ref rebalanceCallbacks); lock (assigned) assigned.RemoveAll(p => partitions.Any(r => r.TopicPartition == p)); })
        .Build();
        returning.Subscribe(topic);
        await using var leaving = KcatGroupMember.Start("leaving", server.BootstrapServers, group, topic,
            "session.timeout.ms=15000", "heartbeat.interval.ms=1000");

        int Assigned()
        {
            lock (assigned)
                return assigned.Count;
        }
        // Drives the consumer (rebalance callbacks run inside Consume) while waiting for a condition.
        async Task ConsumeUntil(Func<Task<bool>> condition, string because)
        {
            var until = DateTime.UtcNow + Deadline;
            while (!await condition())
            {
                Assert.True(DateTime.UtcNow < until, because + "\n" + leaving.Describe(1500) + "\n" + server.Output);
                returning.Consume(TimeSpan.FromMilliseconds(100));
            }
        }

        using var channel = await KafkaRequestChannel.ConnectAsync(server.KafkaPort, TestContext.Current.CancellationToken);
        Protocol.Messages.DescribeGroupsResponse.Group? before = null;
        await ConsumeUntil(async () =>
        {
            before = await channel.DescribeGroupAsync(group);
            return before.GroupState == "Stable" && before.Members.Count == 2 && Assigned() == Partitions / 2;
        }, "the two members should form a Stable group with two partitions each");
        string memberId = returning.MemberId;
        string leavingId = before!.Members.Single(m => m.MemberId != memberId).MemberId;
        int callbacksBefore = rebalanceCallbacks;
        List<TopicPartition> partitionsBefore;
        lock (assigned)
            partitionsBefore = [.. assigned.OrderBy(p => p.Partition.Value)];

        // SIGKILL the server; the kcat member dies during the outage and never comes back.
        server.Kill();
        leaving.Kill();
        await server.StartAsync();

        // At once the group is back Stable with both members, as its last metadata record describes it.
        using var after = await KafkaRequestChannel.ConnectAsync(server.KafkaPort, TestContext.Current.CancellationToken);
        var restored = await after.DescribeGroupAsync(group);
        Assert.Equal("Stable", restored.GroupState);
        Assert.Equal(new[] { memberId, leavingId }.Order(StringComparer.Ordinal), restored.Members.Select(m => m.MemberId).Order(StringComparer.Ordinal));

        // The returning member's commit is accepted in its old generation: the broker knows its member id and generation.
        var position = new TopicPartitionOffset(partitionsBefore[0], new Offset(1));
        await ConsumeUntil(() =>
        {
            try
            {
                returning.Commit([position]);
                return Task.FromResult(true);
            }
            catch (KafkaException e) when (e.Error.Code is ErrorCode.Local_Transport or ErrorCode.NotCoordinatorForGroup
                or ErrorCode.GroupLoadInProgress or ErrorCode.GroupCoordinatorNotAvailable or ErrorCode.RequestTimedOut or ErrorCode.Local_TimedOut)
            {
                return Task.FromResult(false);
            }
        }, "the returning member should commit in its generation after the restart");
        Assert.Equal(memberId, returning.MemberId);
        Assert.Equal(callbacksBefore, rebalanceCallbacks);
        lock (assigned)
            Assert.Equal(partitionsBefore, assigned.OrderBy(p => p.Partition.Value));

        // The absent member is removed after its session timeout; the survivor rebalances and takes every partition.
        await ConsumeUntil(async () =>
        {
            var now = await after.DescribeGroupAsync(group);
            return now.GroupState == "Stable" && now.Members.Count == 1 && Assigned() == Partitions;
        }, "the member that did not return should be removed and its partitions reassigned");
        var final = await after.DescribeGroupAsync(group);
        Assert.Equal(memberId, Assert.Single(final.Members).MemberId);
        Assert.Equal(memberId, returning.MemberId);
        returning.Close();
    }
}
