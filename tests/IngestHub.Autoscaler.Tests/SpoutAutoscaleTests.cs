using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IngestHub.Autoscaler.TestAppliance;
using IngestHub.Client;
using IngestHub.Testing;
using IngestHub.Testing.Redis;
using Xunit;

namespace IngestHub.Autoscaler.Tests;

/// <summary>A topology's Kafka spout as an autoscaler target: a slowed sink bolt builds lag, the autoscaler
/// rebalances the spout from one executor to two, and every record still reaches a real redis-server.</summary>
public sealed class SpoutAutoscaleTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);
    private const string Target = "clicks-topology:in";

    private static JsonObject Topology(int redisPort) => new()
    {
        ["name"] = "clicks-topology",
        ["spouts"] = new JsonObject
        {
            ["in"] = new JsonObject
            {
                ["type"] = "kafka",
                ["topics"] = new JsonArray("clicks"),
                ["tasks"] = 2,
                ["commit.period.ms"] = 200,
                ["autoscale"] = new JsonObject { ["max"] = 4, ["lagThreshold"] = 2_000, ["interval"] = "1s" },
            },
        },
        ["bolts"] = new JsonObject
        {
            ["parse"] = new JsonObject { ["type"] = "pipeline", ["input"] = "in", ["codec"] = "json" },
            ["store"] = new JsonObject
            {
                ["type"] = "sink",
                ["input"] = "parse",
                ["output"] = new JsonObject
                {
                    ["type"] = SlowSinkFactory.OutputType,
                    ["host"] = "127.0.0.1",
                    ["port"] = redisPort,
                    ["mode"] = "list",
                    ["key"] = "seq:%{key}",
                    ["cost.per.event.us"] = 300,
                },
            },
        },
    };

    [Fact]
    public async Task A_slowed_topology_gets_its_spout_scaled_to_two_executors_and_every_record_arrives()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var appliance = await ApplianceHost.StartAsync(TestAppliance.TestAppliance.Configure);
        await using (var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = appliance.Bootstrap }))
            await admin.CreateTopicAsync("clicks", 2);
        var backlog = new KeyedBacklog("clicks", keys: 50);
        await backlog.ProduceAsync(appliance.Bootstrap, 30_000);
        var bad = Topology(redis.Port);
        bad["spouts"]!["in"]!["autoscale"] = new JsonObject { ["min"] = 3, ["max"] = 2 };
        using (var refused = await appliance.Http.PostAsJsonAsync("api/topologies", bad))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("spouts.in.autoscale.max: must be at least min (3), got 2", await refused.Content.ReadAsStringAsync());
        }
        using (var created = await appliance.Http.PostAsJsonAsync("api/topologies", Topology(redis.Port)))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        JsonObject? last = null;
        await Poll.UntilAsync(async () =>
        {
            using var response = await appliance.Http.GetAsync($"api/autoscaler/{Target}");
            if (response.StatusCode != HttpStatusCode.OK)
                return false;
            last = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            return SpillProofTests.Decisions(last, "scale_up").Any() && (int)last["actual_workers"]! == 2;
        }, Deadline, () => $"a scale-up of the spout; last status: {last?.ToJsonString()}");
        var up = SpillProofTests.Decisions(last!, "scale_up").First();
        output.WriteLine($"scale-up: {up["reason"]}");
        Assert.Equal("spout", (string)last!["kind"]!);
        Assert.Equal("clicks-topology-in", (string)last["group"]!);
        Assert.Equal(2, (int)last["policy"]!["max"]!); // max 4 capped at the spout's 2 tasks
        Assert.Equal((1, 2), ((int)up["from"]!, (int)up["to"]!));
        Assert.True((long)up["inputs"]!["total_lag"]! > 2_000);
        var all = (await appliance.Http.GetFromJsonAsync<JsonArray>("api/autoscaler"))!;
        Assert.Contains(all, t => (string)t!["target"]! == Target);

        var topology = (await appliance.Http.GetFromJsonAsync<JsonObject>("api/topologies/clicks-topology"))!;
        output.WriteLine(topology["components"]?.ToJsonString() ?? topology.ToJsonString());
        string metrics = await appliance.Http.GetStringAsync("metrics");
        Assert.Contains($"ingesthub_autoscaler_actual_workers{{target=\"{Target}\",kind=\"spout\",pool=\"source\"}} 2", metrics);

        // A spout cannot spill: the operator's request is refused.
        using (var refused = await appliance.Http.PostAsync($"api/autoscaler/{Target}/spill", null))
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);

        var ledger = new RedisLedger(redis.Endpoint);
        await Poll.UntilAsync(async () => (await ledger.CheckAsync(backlog.PerKey)).DistinctIds >= backlog.Produced, Deadline,
            () => $"redis holds {ledger.CountAsync(backlog.Keys).Result} of {backlog.Produced} entries");
        var verdict = await ledger.CheckAsync(backlog.PerKey);
        output.WriteLine(verdict.ToString());
        Assert.Equal(backlog.Produced, verdict.DistinctIds);
    }
}
