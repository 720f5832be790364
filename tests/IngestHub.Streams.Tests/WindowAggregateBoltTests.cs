using System.Globalization;
using System.Text.Json.Nodes;
using IngestHub.Connectors.Redis;
using IngestHub.Streams.Bolts;
using IngestHub.Streams.Declarative;

namespace IngestHub.Streams.Tests;

[Collection(HeavyTests.Name)]
public sealed class WindowAggregateBoltTests(BrokerFixture broker)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(180);

    private TopologyEnvironment Environment(string? stateDirectory = null) => new()
    {
        BootstrapServers = broker.Bootstrap,
        SinkFactories = [new RedisSinkFactory()],
        StateDirectory = stateDirectory,
    };

    /// <summary>Kafka spout → parse → chaos (fails 10 %) → counts per service and level per minute → Redis hashes,
    /// with a second chaos branch on the parse output so that replays also reach the window bolt twice.</summary>
    public static string CountsYaml(string name, string topic, int redisPort, string prefix, double failRate = 0.1) => $$"""
        name: {{name}}
        spouts:
          logs:
            type: kafka
            topics: [{{topic}}]
            tasks: 2
            commit.period.ms: 200
            session.timeout.ms: 6000
            retry: { delay.period.ms: 1, max.delay.ms: 50 }
        bolts:
          parse:
            type: pipeline
            input: logs
            parallelism: 2
            codec: json
            fields: [service, level]
          chaos:
            type: class
            class: IngestHub.Streams.TestTopologies.ChaosBolt, IngestHub.Streams.TestTopologies
            input: parse
            parallelism: 2
            settings: { fail.rate: {{failRate.ToString(CultureInfo.InvariantCulture)}} }
          chaos-branch:
            type: class
            class: IngestHub.Streams.TestTopologies.ChaosBolt, IngestHub.Streams.TestTopologies
            input: parse
            settings: { fail.rate: {{failRate.ToString(CultureInfo.InvariantCulture)}}, terminal: true }
          counts:
            type: window
            input: { from: chaos, grouping: fields, fields: [service] }
            parallelism: 2
            window: { length: 1m }
            timestamp: "@timestamp"
            lag: 5m
            idle.timeout: 10s
            group.by: [service]
            pivot: level
          store:
            type: sink
            input: counts
            output:
              type: redis
              host: 127.0.0.1
              port: {{redisPort}}
              mode: hash
              key: "{{prefix}}:%{[@metadata][service]}:%{[@metadata][window][start_minute]}"
        """;

    [Fact]
    public async Task Counts_per_service_and_minute_in_redis_equal_the_input_despite_failures_and_duplicate_deliveries()
    {
        await using var kafka = new KafkaTestClient(broker.Bootstrap);
        string topic = BrokerFixture.Unique("counts");
        await kafka.CreateTopicAsync(topic, 4);
        var data = LogData.Generate(200_000, seed: 1, step: TimeSpan.FromMilliseconds(30), services: 5, partitions: 4);
        var compiled = new TopologyCompiler(Environment()).CompileYaml(CountsYaml(topic, topic, broker.Redis.Port, topic));
        await using var topology = await RunningTopology.StartAsync(compiled.Build(), compiled.Config, Environment());
        // A live topology: both spout tasks own their partitions before the records arrive.
        await WaitForStableGroupAsync(kafka, topic + "-logs", members: 2, topology);
        await kafka.ProduceAsync(topic, data.Records.Select(r => ((string?)r.Key, r.Value, (int?)r.Partition)));
        using var redis = new RedisHashes(broker.Redis.Endpoint);

        await Poll.UntilAsync(() => RedisHashes.Differences(data.Counts, redis.Read(topic)).Count == 0, Deadline,
            () => string.Join("; ", RedisHashes.Differences(data.Counts, redis.Read(topic)).Take(5)) + $" | {Describe(topology)}");
        var windows = topology.InstancesOf("counts").Cast<WindowAggregateBolt>().ToList();
        Assert.Equal(0, windows.Sum(w => w.LateTuples));
        Assert.True(windows.Sum(w => w.Duplicates) > 0, "the second branch's failures replayed tuples the window had counted");
        Assert.True(topology.Status().Spouts.Single().Failed > 1_000);
        Assert.Equal(0, topology.Status().DeadLettered);
    }

    [Fact]
    public async Task A_topology_stopped_mid_run_and_started_again_on_its_state_gives_the_same_exact_counts()
    {
        await using var kafka = new KafkaTestClient(broker.Bootstrap);
        string topic = BrokerFixture.Unique("restart");
        await kafka.CreateTopicAsync(topic, 4);
        var data = LogData.Generate(30_000, seed: 2, step: TimeSpan.FromMilliseconds(20), services: 5, partitions: 4);
        await kafka.ProduceAsync(topic, data.Records.Select(r => ((string?)r.Key, r.Value, (int?)r.Partition)));
        string state = Directory.CreateTempSubdirectory("ingesthub-streams-state-").FullName;
        using var redis = new RedisHashes(broker.Redis.Endpoint);
        try
        {
            var compiled = new TopologyCompiler(Environment()).CompileYaml(CountsYaml(topic, topic, broker.Redis.Port, topic));
            var first = await RunningTopology.StartAsync(compiled.Build(), compiled.Config, Environment(state));
            // Some windows are written (and committed past), others are open: stop without draining.
            await Poll.UntilAsync(() => redis.Read(topic).Count >= 10, Deadline, () => $"{redis.Read(topic).Count} hashes");
            await first.KillAsync(TimeSpan.Zero);
            Assert.True(File.Exists(Path.Combine(state, "progress.json")));

            await using var second = await RunningTopology.StartAsync(compiled.Build(), compiled.Config, Environment(state));
            await Poll.UntilAsync(() => RedisHashes.Differences(data.Counts, redis.Read(topic)).Count == 0, Deadline,
                () => string.Join("; ", RedisHashes.Differences(data.Counts, redis.Read(topic)).Take(5)) + $" | {Describe(second)}");
            Assert.Equal(0, second.InstancesOf("counts").Cast<WindowAggregateBolt>().Sum(w => w.LateTuples));
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public async Task The_error_rate_alert_fires_once_per_crossing_over_a_sliding_five_minute_window()
    {
        await using var kafka = new KafkaTestClient(broker.Bootstrap);
        string topic = BrokerFixture.Unique("alerts-in");
        string alerts = topic + "-alerts";
        await kafka.CreateTopicAsync(topic, 2);
        // 40 minutes, 10 lines a minute per service. "checkout" has a 12-minute error burst (50 % errors)
        // from minute 15; "search" stays at 0 errors. Threshold: more than 20 % over 5 minutes.
        var lines = new List<(string?, string, int?)>();
        var start = LogData.Start;
        var checkoutErrors = new Dictionary<long, (int Errors, int Total)>();
        for (int minute = 0; minute < 40; minute++)
        {
            for (int i = 0; i < 10; i++)
            {
                var at = start.AddMinutes(minute).AddSeconds(i * 6);
                bool error = minute is >= 15 and < 27 && i % 2 == 0;
                foreach (var (service, isError) in new[] { ("checkout", error), ("search", false) })
                {
                    var line = new JsonObject
                    {
                        ["@timestamp"] = at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                        ["service"] = service,
                        ["level"] = isError ? "ERROR" : "INFO",
                    };
                    lines.Add((service, line.ToJsonString(), minute % 2));
                }
            }
        }
        // Expected: windows [e-5m, e) every minute; the first window above 20 % fires, the first back at or below resolves.
        var expected = ExpectedCrossings(start, burstFrom: 15, burstTo: 27, minutes: 40);

        string yaml = $$"""
            name: {{topic}}
            spouts:
              logs: { type: kafka, topics: [{{topic}}], tasks: 2, commit.period.ms: 200, session.timeout.ms: 6000 }
            bolts:
              parse: { type: pipeline, input: logs, codec: json, fields: [service, level] }
              rates:
                type: window
                input: { from: parse, grouping: fields, fields: [service] }
                window: { length: 5m, slide: 1m }
                timestamp: "@timestamp"
                lag: 2m
                idle.timeout: 5s
                group.by: [service]
                pivot: level
              alert:
                type: threshold
                input: { from: rates, grouping: fields, fields: [service] }
                key: [service]
                numerator: [ERROR]
                above: 0.2
                minimum.total: 20
              publish:
                type: sink
                input: alert
                output: { type: topic, topic: {{alerts}}, key: "%{service}" }
            """;
        var compiled = new TopologyCompiler(Environment()).CompileYaml(yaml);
        await using var topology = await RunningTopology.StartAsync(compiled.Build(), compiled.Config, Environment());
        await WaitForStableGroupAsync(kafka, topic + "-logs", members: 2, topology);
        await kafka.ProduceAsync(topic, lines);

        // 44 windows (ends at minutes 1 … 44) for each of the two services reach the threshold bolt.
        await Poll.UntilAsync(() => topology.Status().Bolts.Single(b => b.Id == "alert").Executed >= 88, Deadline, () => Describe(topology));
        await Poll.UntilAsync(() => topology.Status().Bolts.Single(b => b.Id == "publish").Acked == expected.Count, Deadline, () => Describe(topology));
        var records = await kafka.ReadAllAsync(alerts, expected.Count + 1, TimeSpan.FromSeconds(5));
        var got = records.Select(r => JsonNode.Parse(r.Value)!.AsObject()).Select(a => (a["service"]!.GetValue<string>(), a["state"]!.GetValue<string>(), a["window_end"]!.GetValue<string>())).ToList();
        Assert.Equal(expected, got);
    }

    private static List<(string, string, string)> ExpectedCrossings(DateTimeOffset start, int burstFrom, int burstTo, int minutes)
    {
        var result = new List<(string, string, string)>();
        bool above = false;
        // Windows end at minute e (1 … minutes + 4) and cover minutes [e-5, e).
        for (int e = 1; e <= minutes + 4; e++)
        {
            int total = 0;
            int errors = 0;
            for (int m = Math.Max(0, e - 5); m < Math.Min(e, minutes); m++)
            {
                total += 10;
                if (m >= burstFrom && m < burstTo)
                    errors += 5;
            }
            if (total < 20)
                continue;
            bool now = (double)errors / total > 0.2;
            if (now != above)
                result.Add(("checkout", now ? "firing" : "resolved", start.AddMinutes(e).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)));
            above = now;
        }
        return result;
    }

    internal static async Task WaitForStableGroupAsync(KafkaTestClient kafka, string group, int members, RunningTopology topology)
    {
        await Poll.UntilAsync(async () =>
        {
            var description = await kafka.Admin.DescribeGroupAsync(group);
            return description.State == "Stable" && description.Members.Count == members && description.Members.Sum(m => m.Assignment.Count) > 0;
        }, Deadline, () => $"group {group} stable with {members} members");
        await Poll.UntilAsync(() => topology.Status().Spouts.Sum(s => s.Partitions.Count) > 0, Deadline, () => "spouts own their partitions");
    }

    internal static string Describe(Runtime.RunningTopology topology)
    {
        var s = topology.Status();
        var windows = s.Bolts.SelectMany(b => topology.InstancesOf(b.Id)).OfType<WindowAggregateBolt>().ToList();
        return string.Join(", ", s.Spouts.Concat(s.Bolts).Select(c => $"{c.Id}: acked {c.Acked} failed {c.Failed} exec {c.Executed} pending {c.Pending} queued {c.Queued} err {c.LastError}"))
            + $"; windows: late {windows.Sum(w => w.LateTuples)}, duplicates {windows.Sum(w => w.Duplicates)}, skipped {windows.Sum(w => w.SkippedAfterRestore)}, emitted {windows.Sum(w => w.WindowsEmitted)}";
    }
}
