using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IngestHub.Autoscaler.TestAppliance;
using IngestHub.Client;
using IngestHub.Protocol;
using IngestHub.Testing;
using IngestHub.Testing.Redis;
using Xunit;

namespace IngestHub.Autoscaler.Tests;

/// <summary>
/// The autoscaler end to end in the appliance, into a real redis-server: a 2-partition topic with 200,000 keyed
/// records and a sink with a fixed cost per event. Workers go 1 → 2 (the decision logged with its inputs); with
/// both partitions busy and the lag still high the backlog spills to a 20-partition topic drained by more than two
/// workers; every record arrives, each key's records in order, and the spill topic is deleted afterwards.
/// </summary>
public sealed class SpillProofTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(150);
    private const string Connector = "orders-to-redis";

    internal static JsonObject Definition(string topic, int redisPort, int costMicros, JsonObject autoscale) => new()
    {
        ["input"] = new JsonObject { ["topics"] = new JsonArray(topic), ["workers"] = 1, ["start"] = "earliest" },
        ["codec"] = "json",
        ["output"] = new JsonObject
        {
            ["type"] = SlowSinkFactory.OutputType,
            ["host"] = "127.0.0.1",
            ["port"] = redisPort,
            ["mode"] = "list",
            ["key"] = "seq:%{key}",
            ["cost.per.event.us"] = costMicros,
            ["batch.size"] = 500,
            ["linger.ms"] = 20,
        },
        ["errors"] = new JsonObject { ["tolerance"] = "all" },
        ["autoscale"] = autoscale,
    };

    internal static async Task<JsonObject> TargetAsync(HttpClient http, string name) =>
        (await http.GetFromJsonAsync<JsonObject>($"api/autoscaler/{name}"))!;

    internal static IEnumerable<JsonNode> Decisions(JsonObject target, string kind) =>
        target["decisions"]!.AsArray().Where(d => (string)d!["kind"]! == kind)!;

    [Fact]
    public async Task Backlog_scales_to_the_partitions_then_spills_and_every_record_arrives_in_key_order()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var appliance = await ApplianceHost.StartAsync(TestAppliance.TestAppliance.Configure, "--monitoring:SampleIntervalSeconds=1");
        await using (var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = appliance.Bootstrap }))
            await admin.CreateTopicAsync("orders", 2);
        var backlog = new KeyedBacklog("orders", keys: 1_000);
        await backlog.ProduceAsync(appliance.Bootstrap, 200_000);

        var autoscale = new JsonObject
        {
            ["min"] = 1,
            ["max"] = 2,
            ["lagThreshold"] = 5_000,
            ["interval"] = "1s",
            ["spill"] = new JsonObject { ["threshold"] = 50_000, ["after"] = "2s", ["factor"] = 10 },
        };
        using (var created = await appliance.Http.PostAsJsonAsync("connectors", new JsonObject { ["name"] = Connector, ["config"] = Definition("orders", redis.Port, 100, autoscale) }))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        // 1 → 2 workers, decided on the lag of both partitions.
        var scaled = await PollAsync(appliance, t => Decisions(t, "scale_up").Any(), "a scale-up decision");
        var up = Decisions(scaled, "scale_up").First();
        Assert.Equal((1, 2), ((int)up["from"]!, (int)up["to"]!));
        Assert.True((long)up["inputs"]!["total_lag"]! > 100_000);
        Assert.Equal(2, (int)up["inputs"]!["partitions_with_lag"]!);
        Assert.Equal(5_000, (long)up["inputs"]!["lag_threshold"]!);
        Assert.Contains("capped at min(max 2, 2 partitions with lag)", (string)up["reason"]!);
        output.WriteLine("scale-up: " + up["reason"]);

        // Both partitions busy and lag above the threshold: the spill to a 20-partition topic.
        var relaying = await PollAsync(appliance, t => (string)t["phase"]! == "relaying", "the relaying phase");
        Assert.Equal("orders.spill.1", (string)relaying["spill"]!["topics"]!["orders"]!);
        await using (var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = appliance.Bootstrap }))
        {
            var spillTopic = (await admin.DescribeTopicsAsync(["orders.spill.1"])).Topics["orders.spill.1"];
            Assert.Equal(20, spillTopic.Partitions.Count);
        }
        var wide = await PollAsync(appliance, t => t["spill"] is JsonObject s && (int)s["workers"]! > 2, "more than two spill workers");
        output.WriteLine($"spill workers: {wide["spill"]!["workers"]}");

        var done = await PollAsync(appliance, t => Decisions(t, "spill_done").Any(), "the switch back");
        Assert.Equal("normal", (string)done["phase"]!);
        foreach (var d in done["decisions"]!.AsArray())
            output.WriteLine($"{d!["kind"]} {d["from"]}→{d["to"]}: {d["reason"]}");

        var ledger = new RedisLedger(redis.Endpoint);
        await Poll.UntilAsync(async () => (await ledger.CheckAsync(backlog.PerKey)).DistinctIds >= 200_000, Deadline,
            () => $"redis holds {ledger.CheckAsync(backlog.PerKey).Result.DistinctIds} distinct ids");
        var verdict = await ledger.CheckAsync(backlog.PerKey);
        output.WriteLine(verdict.ToString());
        Assert.Equal(200_000, verdict.DistinctIds);
        Assert.Empty(verdict.Problems);

        await using (var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = appliance.Bootstrap }))
            Assert.Equal(ErrorCode.UnknownTopicOrPartition, (await admin.DescribeTopicsAsync(["orders.spill.1"])).Topics["orders.spill.1"].Error);
        var status = await appliance.GetJsonAsync($"connectors/{Connector}/status");
        Assert.Equal("process", (string)status["mode"]!);
        Assert.True((long)status["counters"]!["relayed"]! > 0);

        // The dashboard's timeline on the connector page and on the group page: phases shaded, decisions marked.
        await using var browser = await DashboardBrowser.LaunchAsync();
        var connectors = await browser.OpenAsync(appliance.HttpBase, "#/connectors");
        string box = $"[data-connector='{Connector}'] .autoscaler";
        await connectors.WaitForSelectorAsync($"{box} .timeline-lag svg[data-points]");
        Assert.True(await connectors.Locator($"{box} .timeline-lag rect.band[data-band='relaying']").CountAsync() >= 1, "relaying phase shaded");
        Assert.True(await connectors.Locator($"{box} .timeline-lag line.marker[data-marker='spill_done']").CountAsync() >= 1, "switch back marked");
        Assert.True(await connectors.Locator($"{box} .timeline-workers line.marker[data-marker='scale_up']").CountAsync() >= 1, "scale-up marked");
        Assert.True(await connectors.Locator($"{box} .decisions-table tr[data-kind='spill_done']").CountAsync() == 1);
        await DashboardBrowser.ShotAsync(connectors, "autoscaler-connector");
        var group = await browser.OpenAsync(appliance.HttpBase, $"#/group/{Connector}");
        await group.WaitForSelectorAsync("#autoscaler-card .timeline-workers svg[data-points]");
        Assert.Equal("normal", (await group.Locator("#autoscaler-card .phase").InnerTextAsync()).Trim());
        await DashboardBrowser.ShotAsync(group, "autoscaler-group");
    }

    private async Task<JsonObject> PollAsync(ApplianceHost appliance, Func<JsonObject, bool> done, string what)
    {
        JsonObject? last = null;
        await Poll.UntilAsync(async () =>
        {
            using var response = await appliance.Http.GetAsync($"api/autoscaler/{Connector}");
            if (response.StatusCode != HttpStatusCode.OK)
                return false;
            last = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            return done(last);
        }, Deadline, () => $"{what}; last status: {last?.ToJsonString()}");
        return last!;
    }
}
