using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Xunit;

namespace IngestHub.Cluster.Tests;

/// <summary>
/// Three brokers and etcd on loopback: for 60 s the leader of one of the producer's partitions is SIGKILLed every
/// 4–6 s (and restarted once a new leader is elected) under a python librdkafka idempotent acks=all producer, while
/// the IngestHub client reads the topic; afterwards every acknowledged record is stored exactly once, and both kcat
/// and the IngestHub client have read them without any help.
/// </summary>
public sealed class LeaderKillLoopTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Under_a_leader_kill_loop_every_acknowledged_record_is_stored_once_and_kcat_and_the_IngestHub_client_read_them()
    {
        await using var cluster = await BrokerCluster.StartAsync(replicaLagTimeMaxMs: 4000, sessionTimeoutSeconds: 4);
        const string topic = "kill-loop";
        await cluster.CreateTopicAsync(topic, partitions: 2, replicationFactor: 3, new() { ["min.insync.replicas"] = "2" });

        const int count = 4000;
        string script = Path.Combine(AppContext.BaseDirectory, "python", "acks_all_producer.py");
        var producing = ChildProcess.RunAsync("/usr/bin/python3", [script, cluster.Bootstrap, topic, "k", count.ToString(CultureInfo.InvariantCulture), "60"],
            TimeSpan.FromSeconds(170));
        var read = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        using var stopReading = new CancellationTokenSource(TimeSpan.FromSeconds(170));
        var reading = Task.Run(() => ReadAsync(cluster.Bootstrap, topic, read, stopReading.Token), CancellationToken.None);

        var clock = Stopwatch.StartNew();
        var kills = new List<string>();
        while (clock.Elapsed < TimeSpan.FromSeconds(60) && !producing.IsCompleted)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(4000, 6001)));
            int partition = kills.Count % 2;
            if (cluster.Partition(topic, partition) is not { Leader: > 0 } state)
                continue;
            var victim = cluster.Node(state.Leader);
            victim.Kill();
            kills.Add($"{clock.Elapsed.TotalSeconds:F1}s: leader {state.Leader} of partition {partition}");
            await Poll.UntilAsync(() => cluster.Partition(topic, partition) is { Leader: > 0 } p && p.Leader != state.Leader, Deadline,
                () => $"partition {partition} got no new leader after broker {state.Leader} was killed; kills: {string.Join("; ", kills)}");
            await victim.StartAsync();
        }
        Assert.True(kills.Count >= 5, $"only {kills.Count} leaders were killed: {string.Join("; ", kills)}");

        var produced = await producing;
        Assert.True(produced.Succeeded, produced.Describe());
        var acked = produced.StdOut.Split('\n').Where(l => l.StartsWith("ACK ", StringComparison.Ordinal)).Select(l => l[4..]).ToList();
        Assert.True(acked.Count > 0, produced.Describe());

        await Poll.UntilAsync(() => Enumerable.Range(0, 2).All(p => cluster.Partition(topic, p) is { Leader: > 0, InSyncReplicas.Length: 3 }), Deadline,
            () => "the restarted brokers did not all rejoin the ISR");
        var consumed = await Kcat.ConsumeAllAsync(cluster.Bootstrap, topic, "%p %o %s\n", TimeSpan.FromSeconds(60));
        Assert.True(consumed.Succeeded, consumed.Describe());
        var stored = consumed.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToList();
        var where = stored.GroupBy(r => r[2]).ToDictionary(g => g.Key, g => $"{g.First()[0]}:{g.First()[1]}");
        var counts = stored.GroupBy(r => r[2]).ToDictionary(g => g.Key, g => g.Count());
        var missing = acked.Where(v => !counts.ContainsKey(v)).ToList();
        var duplicated = counts.Where(c => c.Value > 1).Select(c => c.Key).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {acked.Count} acknowledged records missing, e.g. {string.Join(',', missing.Take(10))}; kills: {string.Join("; ", kills)}");
        Assert.True(duplicated.Count == 0, $"{duplicated.Count} records stored twice, e.g. {string.Join(',', duplicated.Take(10))}");

        // The IngestHub client read along through every failover: it has every acknowledged record, none twice.
        await Poll.UntilAsync(() => acked.All(read.ContainsKey), Deadline,
            () => $"the IngestHub client read {acked.Count(read.ContainsKey)} of {acked.Count} acknowledged records; not read (partition:offset): "
                + string.Join(',', acked.Where(v => !read.ContainsKey(v)).Select(v => where[v]).Take(40)) + $"; kills: {string.Join("; ", kills)}");
        await stopReading.CancelAsync();
        await reading;
        Assert.True(read.Values.All(n => n == 1), "the IngestHub client read a record twice: " + string.Join(',', read.Where(r => r.Value > 1).Take(10).Select(r => r.Key)));
    }

    /// <summary>The IngestHub client reading both partitions from the start until cancelled.</summary>
    private static async Task ReadAsync(string bootstrap, string topic, ConcurrentDictionary<string, int> read, CancellationToken cancellationToken)
    {
        var options = new IngestHub.Client.ConsumerOptions { BootstrapServers = bootstrap, AutoOffsetReset = IngestHub.Client.AutoOffsetReset.Earliest, EnableAutoCommit = false };
        await using var consumer = new IngestHub.Client.KafkaConsumer(options);
        consumer.Assign([new IngestHub.Client.TopicPartition(topic, 0), new IngestHub.Client.TopicPartition(topic, 1)]);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                IngestHub.Client.ConsumeResult? record;
                try
                {
                    record = await consumer.ConsumeAsync(TimeSpan.FromSeconds(1), cancellationToken);
                }
                catch (IngestHub.Client.KafkaException)
                {
                    // A partition whose fetches kept failing (its leader was just killed) is reported once; the
                    // client goes on fetching by itself.
                    continue;
                }
                if (record?.Value is { } value)
                    read.AddOrUpdate(Encoding.UTF8.GetString(value), 1, (_, n) => n + 1);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
