using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using IngestHub.Client;
using IngestHub.Compat.Tests.Infrastructure;
using Xunit;

namespace IngestHub.Compat.Tests;

/// <summary>
/// IngestHub.Client against a real Kafka client: records cross between the .NET client and kcat (librdkafka)
/// unchanged, both kinds of member share one consumer group, and the idempotent producer survives a SIGKILL of
/// the broker without losing or duplicating a record.
/// </summary>
public sealed class ClientInteropTests(GroupServerFixture fixture) : IClassFixture<GroupServerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..24];

    [Fact]
    public async Task Records_produced_by_the_client_are_read_by_kcat_identical_in_key_value_headers_and_timestamp()
    {
        string topic = Unique("c2k");
        await using (var producer = new KafkaProducer(new ProducerOptions { BootstrapServers = fixture.Bootstrap }))
        {
            var sends = new List<Task<DeliveryResult>>();
            for (int i = 0; i < 500; i++)
            {
                var headers = new List<Header> { new("h1", Encoding.UTF8.GetBytes("v" + i)), new("trace", Encoding.UTF8.GetBytes("t-" + i)) };
                sends.Add(producer.ProduceAsync(topic, Encoding.UTF8.GetBytes("key" + i), Encoding.UTF8.GetBytes("value" + i), headers, timestamp: 1_700_000_000_000 + i));
            }
            await Task.WhenAll(sends);
        }
        var read = await Kcat.ConsumeAllAsync(fixture.Bootstrap, topic, @"%k|%s|%T|%h\n");
        Assert.True(read.Succeeded, read.Describe());
        var lines = read.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(500, lines.Length);
        foreach (var line in lines)
        {
            var parts = line.Split('|');
            int i = int.Parse(parts[0]["key".Length..], CultureInfo.InvariantCulture);
            Assert.Equal("value" + i, parts[1]);
            Assert.Equal((1_700_000_000_000 + i).ToString(CultureInfo.InvariantCulture), parts[2]);
            Assert.Equal($"h1=v{i},trace=t-{i}", parts[3]);
        }
    }

    [Fact]
    public async Task Records_produced_by_kcat_are_read_by_the_client_identical_in_key_value_headers_and_timestamp()
    {
        string topic = Unique("k2c");
        var input = string.Join('\n', Enumerable.Range(0, 500).Select(i => $"key{i}:value{i}")) + "\n";
        var produced = await Kcat.RunAsync(["-P", "-b", fixture.Bootstrap, "-t", topic, "-K:", "-H", "h1=one", "-H", "h2=two"], input);
        Assert.True(produced.Succeeded, produced.Describe());
        // kcat's own view of the timestamps, to compare with what the client decodes.
        var kcatView = await Kcat.ConsumeAllAsync(fixture.Bootstrap, topic, @"%k %T\n");
        var timestamps = kcatView.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')).ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture));

        await using var consumer = new KafkaConsumer(new ConsumerOptions { BootstrapServers = fixture.Bootstrap, AutoOffsetReset = AutoOffsetReset.Earliest });
        consumer.Assign(Enumerable.Range(0, 6).Select(p => new TopicPartition(topic, p)));
        var seen = new Dictionary<string, ConsumeResult>();
        var deadline = DateTime.UtcNow + Deadline;
        while (seen.Count < 500 && DateTime.UtcNow < deadline)
        {
            if (await consumer.ConsumeAsync(TimeSpan.FromMilliseconds(500)) is { } record)
                seen[Encoding.UTF8.GetString(record.Key!)] = record;
        }
        Assert.Equal(500, seen.Count);
        foreach (var (key, record) in seen)
        {
            Assert.Equal("value" + key["key".Length..], Encoding.UTF8.GetString(record.Value!));
            Assert.Equal(["h1=one", "h2=two"], record.Headers.Select(h => h.Key + "=" + Encoding.UTF8.GetString(h.Value!)));
            Assert.Equal(timestamps[key], record.Timestamp);
        }
    }

    [Fact]
    public async Task A_kcat_member_and_two_client_members_split_six_partitions_two_each_and_consume_every_record_once()
    {
        string topic = Unique("mixed");
        string group = Unique("g");
        await using (var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = fixture.Bootstrap }))
            await admin.CreateTopicAsync(topic, 6);

        await using var kcat = KcatGroupMember.Start("kcat-member", fixture.Bootstrap, group, topic, "partition.assignment.strategy=range");
        var clientRecords = new ConcurrentBag<(int Partition, long Offset, string Member)>();
        using var stop = new CancellationTokenSource();
        var consumers = new List<KafkaConsumer>();
        var loops = new List<Task>();
        for (int m = 0; m < 2; m++)
        {
            string member = "client-" + m;
            var consumer = new KafkaConsumer(new ConsumerOptions
            {
                BootstrapServers = fixture.Bootstrap,
                ClientId = member,
                GroupId = group,
                AutoOffsetReset = AutoOffsetReset.Earliest,
                SessionTimeoutMs = 6000,
                HeartbeatIntervalMs = 500,
                PartitionAssignors = [new RangeAssignor()],
            });
            consumer.Subscribe([topic]);
            consumers.Add(consumer);
            loops.Add(Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        if (await consumer.ConsumeAsync(TimeSpan.FromMilliseconds(200), stop.Token) is { } r)
                            clientRecords.Add((r.Partition, r.Offset, member));
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
            }));
        }
        try
        {
            // Stable group of three before any record exists, so the steady state is what gets measured.
            await Polling.Eventually(() => consumers.All(c => c.Assignment.Count == 2), Deadline, "both client members hold two partitions");

            await using (var producer = new KafkaProducer(new ProducerOptions { BootstrapServers = fixture.Bootstrap }))
            {
                var sends = Enumerable.Range(0, 6_000).Select(i => producer.ProduceAsync(topic, "k" + i, "v" + i));
                await Task.WhenAll(sends);
            }
            await Polling.Eventually(() => clientRecords.Count + kcat.Count >= 6_000, Deadline, "every record consumed");

            var all = clientRecords.Select(r => (r.Partition, r.Offset, r.Member))
                .Concat(kcat.Records().Select(r => (r.Partition, r.Offset, Member: "kcat"))).ToList();
            Assert.Equal(6_000, all.Count);
            Assert.Equal(6_000, all.Select(r => (r.Partition, r.Offset)).Distinct().Count());
            foreach (var member in new[] { "client-0", "client-1", "kcat" })
                Assert.Equal(2, all.Where(r => r.Member == member).Select(r => r.Partition).Distinct().Count());
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(loops);
            foreach (var consumer in consumers)
                await consumer.DisposeAsync();
        }
    }

    [Fact]
    public async Task Killing_the_broker_mid_stream_loses_and_duplicates_nothing_and_the_consumer_resumes_from_its_commits()
    {
        await using var server = await ServerProcess.StartAsync("--num-partitions", "3", "--broker:GroupInitialRebalanceDelayMs=0");
        string topic = Unique("crash");
        const int total = 20_000;
        await using var producer = new KafkaProducer(new ProducerOptions
        {
            BootstrapServers = server.BootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            DeliveryTimeoutMs = 60_000,
            RequestTimeoutMs = 5_000,
            LingerMs = 5,
        });
        await using var consumer = new KafkaConsumer(new ConsumerOptions
        {
            BootstrapServers = server.BootstrapServers,
            GroupId = "crash-group",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            SessionTimeoutMs = 6000,
            HeartbeatIntervalMs = 500,
            RequestTimeoutMs = 5_000,
        });
        consumer.Subscribe([topic]);
        var seen = new ConcurrentDictionary<string, int>();
        using var stop = new CancellationTokenSource();
        var consuming = Task.Run(async () =>
        {
            int sinceCommit = 0;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    if (await consumer.ConsumeAsync(TimeSpan.FromMilliseconds(200), stop.Token) is { } r)
                    {
                        seen.AddOrUpdate(Encoding.UTF8.GetString(r.Value!), 1, (_, n) => n + 1);
                        if (++sinceCommit >= 200)
                        {
                            await consumer.CommitAsync(stop.Token);
                            sinceCommit = 0;
                        }
                    }
                    else if (sinceCommit > 0)
                    {
                        await consumer.CommitAsync(stop.Token);
                        sinceCommit = 0;
                    }
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                catch (KafkaException)
                {
                    // the broker is down: the commit is retried with the next batch
                }
            }
        });

        var sends = new List<Task<DeliveryResult>>(total);
        for (int i = 0; i < total; i++)
        {
            sends.Add(producer.ProduceAsync(topic, null, Encoding.UTF8.GetBytes("r" + i)));
            if (i == total / 2)
            {
                // Crash the broker while batches are in flight: a quarter acknowledged, the rest queued or sent.
                await Polling.Eventually(() => sends.Count(t => t.IsCompletedSuccessfully) >= total / 4, Deadline, "stream under way");
                server.Kill();
                await server.StartAsync();
            }
        }
        await Task.WhenAll(sends);

        // The log holds every record exactly once.
        var read = await Kcat.ConsumeAllAsync(server.BootstrapServers, topic, @"%s\n", TimeSpan.FromSeconds(60));
        Assert.True(read.Succeeded, read.Describe());
        var values = read.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(total, values.Length);
        Assert.Equal(total, values.Distinct().Count());

        // The group consumer resumed after the restart and saw everything (repeats only after its last commit).
        await Polling.Eventually(() => seen.Count == total, Deadline, "the consumer saw every record");
        int repeats = seen.Values.Sum() - total;
        Assert.True(repeats <= total / 2, $"{repeats} repeats: the consumer did not resume from its commits");
        await stop.CancelAsync();
        await consuming;
    }
}
