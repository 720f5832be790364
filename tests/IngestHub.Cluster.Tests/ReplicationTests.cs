using System.Globalization;
using Confluent.Kafka;
using Xunit;

namespace IngestHub.Cluster.Tests;

/// <summary>
/// Three brokers and etcd on loopback: failover of an acks=all idempotent producer when its leader is SIGKILLed,
/// byte-identical replicas afterwards, and a SIGSTOPped follower leaving and rejoining the ISR with
/// min.insync.replicas enforced.
/// </summary>
public sealed class ReplicationTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Every_acknowledged_record_survives_a_SIGKILL_of_the_leader_and_replicas_end_byte_identical()
    {
        await using var cluster = await BrokerCluster.StartAsync(replicaLagTimeMaxMs: 4000, sessionTimeoutSeconds: 4);
        const string topic = "failover";
        await cluster.CreateTopicAsync(topic, partitions: 2, replicationFactor: 3, new() { ["min.insync.replicas"] = "2" });

        const int count = 3000;
        string script = Path.Combine(AppContext.BaseDirectory, "python", "acks_all_producer.py");
        var producing = ChildProcess.RunAsync("/usr/bin/python3", [script, cluster.Bootstrap, topic, "r", count.ToString(CultureInfo.InvariantCulture), "12"],
            TimeSpan.FromSeconds(150));
        // Let records flow through the full ISR, then kill the leader of partition 0 mid-stream.
        await Poll.UntilAsync(async () => (await Kcat.ConsumeAllAsync(cluster.Bootstrap, topic, "%s\n", TimeSpan.FromSeconds(20))).StdOut.Split('\n').Length > 300,
            Deadline, () => "the producer's records did not arrive");
        int leader = cluster.Partition(topic, 0)!.Leader;
        var victim = cluster.Node(leader);
        victim.Kill();

        var produced = await producing;
        Assert.True(produced.Succeeded, produced.Describe());
        var acked = produced.StdOut.Split('\n').Where(l => l.StartsWith("ACK ", StringComparison.Ordinal)).Select(l => l[4..]).ToList();
        Assert.True(acked.Count == count, $"{acked.Count} of {count} acknowledged\n{produced.Describe()}");
        await Poll.UntilAsync(() => cluster.Partition(topic, 0) is { Leader: > 0 } p && p.Leader != leader, Deadline, () => "no new leader for partition 0");

        await victim.StartAsync();
        await Poll.UntilAsync(() => Enumerable.Range(0, 2).All(p => cluster.Partition(topic, p) is { InSyncReplicas.Length: 3 }), Deadline,
            () => $"broker {leader} did not rejoin every ISR");

        var consumed = await Kcat.ConsumeAllAsync(cluster.Bootstrap, topic, "%s\n", TimeSpan.FromSeconds(60));
        Assert.True(consumed.Succeeded, consumed.Describe());
        var values = consumed.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var counts = values.GroupBy(v => v).ToDictionary(g => g.Key, g => g.Count());
        var missing = acked.Where(v => !counts.ContainsKey(v)).ToList();
        var duplicated = counts.Where(c => c.Value > 1).Select(c => c.Key).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged records missing, e.g. {string.Join(',', missing.Take(10))}");
        Assert.True(duplicated.Count == 0, $"{duplicated.Count} records stored twice, e.g. {string.Join(',', duplicated.Take(10))}");

        // No more writes: every replica of each partition converges on the same bytes.
        for (int p = 0; p < 2; p++)
        {
            int partition = p;
            string[] images = [];
            await Poll.UntilAsync(() =>
            {
                images = [.. cluster.Brokers.Select(b => LogImage(b.DataDir, topic, partition))];
                return images.Distinct().Count() == 1 && images[0].Length > 0;
            }, Deadline, () => $"replicas of {topic}-{partition} differ: sizes {string.Join(',', images.Select(i => i.Length))}");
        }
    }

    [Fact]
    public async Task A_stopped_follower_leaves_the_ISR_and_rejoins_and_min_insync_replicas_refuses_writes_with_one_in_sync()
    {
        // A long session: the stopped brokers stay registered, so the leader's lag check is what removes them.
        await using var cluster = await BrokerCluster.StartAsync(replicaLagTimeMaxMs: 2000, sessionTimeoutSeconds: 60);
        const string topic = "isr";
        await cluster.CreateTopicAsync(topic, partitions: 1, replicationFactor: 3, new() { ["min.insync.replicas"] = "2" });
        var state = cluster.Partition(topic, 0)!;
        int leader = state.Leader;
        var followers = state.Replicas.Where(r => r != leader).ToArray();

        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = cluster.Bootstrap,
            Acks = Acks.All,
            EnableIdempotence = false,
            MessageSendMaxRetries = 0,
            MessageTimeoutMs = 20_000,
            RequestTimeoutMs = 15_000,
        }).Build();
        await producer.ProduceAsync(topic, new Message<Null, string> { Value = "all three" });

        try
        {
            Assert.True((await BrokerCluster.SignalAsync(cluster.Node(followers[0]), "STOP")).Succeeded);
            await Poll.UntilAsync(() => cluster.Partition(topic, 0) is { InSyncReplicas: var isr } && isr.Length == 2 && !isr.Contains(followers[0]),
                Deadline, () => $"follower {followers[0]} did not leave the ISR: {string.Join(',', cluster.Partition(topic, 0)?.InSyncReplicas ?? [])}");
            var two = await producer.ProduceAsync(topic, new Message<Null, string> { Value = "two of three" });
            Assert.Equal(PersistenceStatus.Persisted, two.Status);

            Assert.True((await BrokerCluster.SignalAsync(cluster.Node(followers[1]), "STOP")).Succeeded);
            await Poll.UntilAsync(() => cluster.Partition(topic, 0) is { InSyncReplicas: [var only] } && only == leader,
                Deadline, () => $"the ISR did not shrink to the leader: {string.Join(',', cluster.Partition(topic, 0)?.InSyncReplicas ?? [])}");
            var refused = await Assert.ThrowsAsync<ProduceException<Null, string>>(() => producer.ProduceAsync(topic, new Message<Null, string> { Value = "one of three" }));
            Assert.Equal(ErrorCode.NotEnoughReplicas, refused.Error.Code);
        }
        finally
        {
            foreach (int follower in followers)
                await BrokerCluster.SignalAsync(cluster.Node(follower), "CONT");
        }
        await Poll.UntilAsync(() => cluster.Partition(topic, 0) is { InSyncReplicas.Length: 3 }, Deadline,
            () => $"the followers did not rejoin the ISR: {string.Join(',', cluster.Partition(topic, 0)?.InSyncReplicas ?? [])}");
        var again = await producer.ProduceAsync(topic, new Message<Null, string> { Value = "three again" });
        Assert.Equal(PersistenceStatus.Persisted, again.Status);
        var consumed = await Kcat.ConsumeAllAsync(cluster.Bootstrap, topic, "%s\n", TimeSpan.FromSeconds(30));
        Assert.Equal(["all three", "two of three", "three again"], consumed.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>All segment files of the partition, concatenated in offset order.</summary>
    private static string LogImage(string dataDir, string topic, int partition)
    {
        string directory = Path.Combine(dataDir, $"{topic}-{partition.ToString(CultureInfo.InvariantCulture)}");
        if (!Directory.Exists(directory))
            return "";
        var bytes = new List<byte>();
        foreach (string file in Directory.GetFiles(directory, "*.log").Order(StringComparer.Ordinal))
        {
            try
            {
                bytes.AddRange(File.ReadAllBytes(file));
            }
            catch (IOException)
            {
                return "";
            }
        }
        return Convert.ToHexString(bytes.ToArray());
    }
}
