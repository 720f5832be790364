using System.Globalization;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Xunit;

namespace IngestHub.Cluster.Tests;

/// <summary>
/// Three brokers and etcd on loopback: committed offsets live in the replicated <c>__consumer_offsets</c>, a group's
/// coordinator is the leader of its offsets partition, and when that broker is SIGKILLed a librdkafka group consumer
/// finds the new coordinator by itself, which has the acknowledged commits.
/// </summary>
public sealed class GroupFailoverTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_group_consumer_survives_a_SIGKILL_of_its_coordinator_and_resumes_from_the_acknowledged_commits()
    {
        await using var cluster = await BrokerCluster.StartAsync(replicaLagTimeMaxMs: 4000, sessionTimeoutSeconds: 4);
        const string topic = "grouped";
        const string group = "failover-group";
        await cluster.CreateTopicAsync(topic, partitions: 2, replicationFactor: 3, new() { ["min.insync.replicas"] = "2" });
        var ends = await ProduceAsync(cluster, topic, "a", 600);

        string script = Path.Combine(AppContext.BaseDirectory, "python", "group_consumer.py");
        string log = Path.Combine(cluster.Brokers[0].Root, "consumer-1.log");
        var consuming = ChildProcess.RunAsync("/usr/bin/python3", [script, cluster.Bootstrap, topic, group, "a-", "600", "0.03", log, "120"],
            TimeSpan.FromSeconds(150));
        // Some commits acknowledged, then the broker coordinating the group (the leader of its offsets partition) dies.
        await Poll.UntilAsync(() => Lines(log, "COMMIT ").Count >= 6, Deadline, () => "the consumer acknowledged no commits\n" + Read(log));
        int offsetsPartition = OffsetsPartition(group, cluster.Metadata("__consumer_offsets")!.Topics.Single(t => t.Topic == "__consumer_offsets").Partitions.Count);
        int coordinator = cluster.Partition("__consumer_offsets", offsetsPartition)!.Leader;
        Assert.True(coordinator > 0, $"__consumer_offsets-{offsetsPartition} has no leader");
        int acknowledgedBefore = Lines(log, "COMMIT ").Count;
        cluster.Node(coordinator).Kill();

        var consumed = await consuming;
        Assert.True(consumed.Succeeded, consumed.Describe() + "\n" + Read(log));
        await Poll.UntilAsync(() => cluster.Partition("__consumer_offsets", offsetsPartition) is { Leader: > 0 } p && p.Leader != coordinator, Deadline,
            () => $"__consumer_offsets-{offsetsPartition} got no new leader");
        var lines = File.ReadAllLines(log);
        Assert.True(Lines(log, "COMMIT ").Count > acknowledgedBefore, "no commit was acknowledged after the coordinator died\n" + Read(log));
        AssertNoRegression(lines);
        var values = lines.Where(l => l.StartsWith("MSG ", StringComparison.Ordinal)).Select(l => l.Split(' ')[3]).ToHashSet(StringComparer.Ordinal);
        var missing = Enumerable.Range(0, 600).Select(n => "a-" + n.ToString(CultureInfo.InvariantCulture)).Where(v => !values.Contains(v)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} records never consumed, e.g. {string.Join(',', missing.Take(10))}");

        // OffsetFetch at the new coordinator (librdkafka finds it) returns the final commits: the end of each partition.
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.Bootstrap }).Build())
        {
            var wanted = new[] { new ConsumerGroupTopicPartitions(group, [new TopicPartition(topic, 0), new TopicPartition(topic, 1)]) };
            Dictionary<int, long> fetched = [];
            await Poll.UntilAsync(async () =>
            {
                try
                {
                    var result = await admin.ListConsumerGroupOffsetsAsync(wanted, new ListConsumerGroupOffsetsOptions { RequestTimeout = TimeSpan.FromSeconds(10) });
                    fetched = result.Single().Partitions.Where(p => p.Error.Code == ErrorCode.NoError).ToDictionary(p => p.Partition.Value, p => p.Offset.Value);
                    return fetched.Count == 2;
                }
                catch (KafkaException)
                {
                    return false;
                }
            }, Deadline, () => "OffsetFetch did not answer for both partitions");
            Assert.Equal(ends[0], fetched[0]);
            Assert.Equal(ends[1], fetched[1]);
        }

        // A new member of the group resumes exactly there: only the records produced since, none below the commits.
        await ProduceAsync(cluster, topic, "b", 100);
        string log2 = Path.Combine(cluster.Brokers[0].Root, "consumer-2.log");
        var resumed = await ChildProcess.RunAsync("/usr/bin/python3", [script, cluster.Bootstrap, topic, group, "b-", "100", "0", log2, "90"],
            TimeSpan.FromSeconds(120));
        Assert.True(resumed.Succeeded, resumed.Describe() + "\n" + Read(log2));
        var again = Lines(log2, "MSG ").Select(l => l.Split(' ')).ToList();
        Assert.All(again, m => Assert.True(long.Parse(m[2], CultureInfo.InvariantCulture) >= ends[int.Parse(m[1], CultureInfo.InvariantCulture)],
            $"offset {m[2]} of partition {m[1]} is below the committed {ends[int.Parse(m[1], CultureInfo.InvariantCulture)]}"));
        Assert.Equal(100, again.Select(m => m[3]).Distinct().Count());
    }

    /// <summary>Every record consumed is at or above the last acknowledged commit of its partition at that moment.</summary>
    private static void AssertNoRegression(string[] lines)
    {
        var committed = new Dictionary<int, long>();
        foreach (string line in lines)
        {
            var parts = line.Split(' ');
            if (parts[0] == "COMMIT")
                committed[int.Parse(parts[1], CultureInfo.InvariantCulture)] = long.Parse(parts[2], CultureInfo.InvariantCulture);
            else if (parts[0] == "MSG")
            {
                int partition = int.Parse(parts[1], CultureInfo.InvariantCulture);
                long offset = long.Parse(parts[2], CultureInfo.InvariantCulture);
                Assert.True(!committed.TryGetValue(partition, out long at) || offset >= at,
                    $"partition {partition}: offset {offset} consumed after the commit of {at} was acknowledged");
            }
        }
    }

    /// <summary>Produces COUNT records "prefix-n" (acks=all), alternating between the two partitions; returns each
    /// partition's end offset afterwards.</summary>
    private static async Task<Dictionary<int, long>> ProduceAsync(BrokerCluster cluster, string topic, string prefix, int count)
    {
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = cluster.Bootstrap, Acks = Acks.All, EnableIdempotence = true }).Build();
        var sent = Enumerable.Range(0, count).Select(n => producer.ProduceAsync(new TopicPartition(topic, n % 2), new Message<Null, string> { Value = $"{prefix}-{n.ToString(CultureInfo.InvariantCulture)}" })).ToList();
        var results = await Task.WhenAll(sent);
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = cluster.Bootstrap, GroupId = "watermarks" }).Build();
        return Enumerable.Range(0, 2).ToDictionary(p => p, p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(20)).High.Value);
    }

    /// <summary>Kafka's offsets partition of a group: abs(Java String.hashCode) % partitions.</summary>
    private static int OffsetsPartition(string group, int partitions)
    {
        int hash = 0;
        foreach (char c in group)
            hash = unchecked((31 * hash) + c);
        return (hash == int.MinValue ? 0 : Math.Abs(hash)) % partitions;
    }

    private static List<string> Lines(string path, string prefix) =>
        [.. Read(path).Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal))];

    private static string Read(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (IOException)
        {
            return "";
        }
    }
}
