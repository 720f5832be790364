using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IngestHub.Autoscaler.TestAppliance;
using IngestHub.Client;
using IngestHub.Testing;
using IngestHub.Testing.Redis;
using Xunit;

namespace IngestHub.Autoscaler.Tests;

/// <summary>Scaling decisions of the running appliance over a real redis-server: stabilization before scale-down,
/// stalled partitions adding no workers, the API's answers, /metrics, and configuration errors.</summary>
public sealed class AutoscalerApplianceTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private static async Task<JsonObject> PollAsync(ApplianceHost appliance, string target, Func<JsonObject, bool> done, string what)
    {
        JsonObject? last = null;
        await Poll.UntilAsync(async () =>
        {
            using var response = await appliance.Http.GetAsync($"api/autoscaler/{target}");
            if (response.StatusCode != HttpStatusCode.OK)
                return false;
            last = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            return done(last);
        }, Deadline, () => $"{what}; last status: {last?.ToJsonString()}");
        return last!;
    }

    private static async Task<JsonObject?> StatusAsync(ApplianceHost appliance, string target)
    {
        using var response = await appliance.Http.GetAsync($"api/autoscaler/{target}");
        return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<JsonObject>() : null;
    }

    private static async Task CreateAsync(ApplianceHost appliance, string name, JsonObject config)
    {
        using var created = await appliance.Http.PostAsJsonAsync("connectors", new JsonObject { ["name"] = name, ["config"] = config });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    [Fact]
    public async Task Scale_down_waits_for_the_stabilization_window_after_the_backlog_is_gone()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var appliance = await ApplianceHost.StartAsync(TestAppliance.TestAppliance.Configure);
        await using (var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = appliance.Bootstrap }))
            await admin.CreateTopicAsync("clicks", 2);
        var backlog = new KeyedBacklog("clicks", keys: 50);
        await backlog.ProduceAsync(appliance.Bootstrap, 20_000);
        var autoscale = new JsonObject { ["max"] = 2, ["lagThreshold"] = 2_000, ["interval"] = "1s", ["scaleDownStabilization"] = "8s", ["spill"] = new JsonObject { ["enabled"] = false } };
        await CreateAsync(appliance, "clicks-to-redis", SpillProofTests.Definition("clicks", redis.Port, 50, autoscale));

        var down = await PollAsync(appliance, "clicks-to-redis", t => SpillProofTests.Decisions(t, "scale_down").Any(), "a scale-down");
        var up = SpillProofTests.Decisions(down, "scale_up").Single();
        var deferred = SpillProofTests.Decisions(down, "scale_down_deferred").First();
        var scaledDown = SpillProofTests.Decisions(down, "scale_down").Single();
        foreach (var d in down["decisions"]!.AsArray())
            output.WriteLine($"{d!["at"]} {d["kind"]} {d["from"]}→{d["to"]}: {d["reason"]}");
        Assert.Equal((1, 2), ((int)up["from"]!, (int)up["to"]!));
        Assert.Equal((2, 1), ((int)scaledDown["from"]!, (int)scaledDown["to"]!));
        // The deferral names when the last recommendation of 2 leaves the window: 8 s after it was made, which is no
        // earlier than the evaluation that scaled up (recorded once the workers were added, a moment after it); the
        // scale-down comes no earlier.
        long until = (long)deferred["inputs"]!["stabilized_until"]!;
        Assert.True(until - (long)up["at"]! > 7_000, $"the window closes {until - (long)up["at"]!} ms after the scale-up");
        Assert.True((long)scaledDown["at"]! >= until, $"scaled down {until - (long)scaledDown["at"]!} ms before the window closed");
        Assert.Equal(0, (long)scaledDown["inputs"]!["total_lag"]!);
        Assert.Equal(1, (int)down["actual_workers"]!);
        Assert.Equal("normal", (string)down["phase"]!);
    }

    [Fact]
    public async Task Stalled_partitions_add_no_workers_while_the_others_move()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var appliance = await ApplianceHost.StartAsync(TestAppliance.TestAppliance.Configure);
        try
        {
            await using (var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = appliance.Bootstrap }))
                await admin.CreateTopicAsync("jobs", 4);
            // Two workers: the range assignor gives one partitions 0 and 1 (its sink hangs on them), the other 2 and 3.
            var config = SpillProofTests.Definition("jobs", redis.Port, 0, new JsonObject
            {
                ["min"] = 1,
                ["max"] = 4,
                ["lagThreshold"] = 500,
                ["interval"] = "1s",
                ["stallAfter"] = "3s",
                ["spill"] = new JsonObject { ["enabled"] = false },
            });
            config["input"]!["workers"] = 2;
            config["output"]!["stall.partitions"] = "0,1";
            await CreateAsync(appliance, "jobs-to-redis", config);
            var backlog = new KeyedBacklog("jobs", keys: 64);

            // A trickle on every partition, lag well below one threshold: 2 and 3 move, 0 and 1 stand still.
            JsonObject? stalled = null;
            for (int round = 0; round < 200 && stalled is null; round++)
            {
                await backlog.ProduceAsync(appliance.Bootstrap, 20);
                var status = await StatusAsync(appliance, "jobs-to-redis");
                if (status is not null && status["partitions"]!.AsArray().Count(p => (string)p!["status"]! == "STALL") == 2)
                    stalled = status;
                else
                    await Task.Delay(250);
            }
            Assert.NotNull(stalled);
            Assert.True(!SpillProofTests.Decisions(stalled, "scale_up").Any(), stalled["decisions"]!.ToJsonString());

            // Now the stuck partitions pile up far beyond what two workers are meant to carry.
            stalled = null;
            for (int round = 0; round < 60 && stalled is null; round++)
            {
                await backlog.ProduceAsync(appliance.Bootstrap, 2_000);
                var status = await StatusAsync(appliance, "jobs-to-redis");
                if (status is not null && (long)status["total_lag"]! > 20_000)
                    stalled = status;
                else
                    await Task.Delay(250);
            }
            Assert.NotNull(stalled);
            output.WriteLine(stalled.ToJsonString());
            Assert.Equal("STALL", (string)stalled["status"]!);
            Assert.Equal(["STALL", "STALL", "OK", "OK"], stalled["partitions"]!.AsArray().Select(p => (string)p!["status"]!));
            Assert.Equal(2, SpillProofTests.Decisions(stalled, "stall").Count());
            Assert.Empty(SpillProofTests.Decisions(stalled, "scale_up"));
            Assert.Equal(2, (int)stalled["actual_workers"]!);
            Assert.Contains("lag on stalled partitions", (string)stalled["recommendation"]!["reason"]!);
            // Without the stall rule the lag alone would ask for all four.
            Assert.True((long)stalled["total_lag"]! / 500 > 4);
        }
        finally
        {
            SlowSink.ReleaseStalls("jobs-to-redis");
        }
    }

    [Fact]
    public async Task The_api_lists_targets_refuses_what_it_cannot_do_and_metrics_show_the_workers()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var appliance = await ApplianceHost.StartAsync(TestAppliance.TestAppliance.Configure);
        await using (var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = appliance.Bootstrap }))
            await admin.CreateTopicAsync("audit", 2);
        var autoscale = new JsonObject { ["max"] = 2, ["lagThreshold"] = 1_000, ["interval"] = "1s", ["spill"] = new JsonObject { ["enabled"] = false } };
        await CreateAsync(appliance, "audit-to-redis", SpillProofTests.Definition("audit", redis.Port, 0, autoscale));

        var target = await PollAsync(appliance, "audit-to-redis", t => (long)t["last_evaluated"]! > 0, "a first evaluation");
        Assert.Equal("connector", (string)target["kind"]!);
        Assert.Equal("audit-to-redis", (string)target["group"]!);
        Assert.Equal(1_000, (long)target["policy"]!["lagThreshold"]!);
        Assert.Equal("5m", (string)target["policy"]!["scaleDownStabilization"]!);
        Assert.Equal("normal", (string)target["phase"]!);
        var all = (await appliance.Http.GetFromJsonAsync<JsonArray>("api/autoscaler"))!;
        Assert.Contains(all, t => (string)t!["target"]! == "audit-to-redis");

        using (var refused = await appliance.Http.PostAsync("api/autoscaler/audit-to-redis/spill", null))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Contains("spill is disabled", await refused.Content.ReadAsStringAsync());
        }
        using (var notSpilling = await appliance.Http.PostAsync("api/autoscaler/audit-to-redis/unspill", null))
            Assert.Equal(HttpStatusCode.Conflict, notSpilling.StatusCode);
        using (var unknown = await appliance.Http.PostAsync("api/autoscaler/no-such-connector/spill", null))
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using (var missing = await appliance.Http.GetAsync("api/autoscaler/no-such-connector"))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        string metrics = await appliance.Http.GetStringAsync("metrics");
        Assert.Contains("ingesthub_autoscaler_desired_workers{target=\"audit-to-redis\",kind=\"connector\",pool=\"source\"} 1", metrics);
        Assert.Contains("ingesthub_autoscaler_actual_workers{target=\"audit-to-redis\",kind=\"connector\",pool=\"source\"} 1", metrics);
        Assert.Contains("ingesthub_autoscaler_spill_phase{target=\"audit-to-redis\",kind=\"connector\",phase=\"normal\"} 1", metrics);
    }

    [Theory]
    [InlineData("{\"min\": 3, \"max\": 2}", "autoscale.max: must be at least min (3), got 2")]
    [InlineData("{\"lagThreshold\": 0}", "autoscale.lagThreshold: must be between 1 and")]
    [InlineData("{\"interval\": \"soon\"}", "autoscale.interval: must be a duration such as 30s, 5m or 250ms")]
    [InlineData("{\"scaleDownStabilization\": \"2d\"}", "autoscale.scaleDownStabilization: must be between 0s and 24h")]
    [InlineData("{\"spill\": {\"factor\": 1}}", "autoscale.spill.factor: must be between 2 and 100")]
    [InlineData("{\"maxWorkers\": 3}", "autoscale.maxWorkers: unknown key")]
    public async Task A_bad_autoscale_section_is_refused_naming_the_key(string autoscale, string message)
    {
        await using var appliance = await ApplianceHost.StartAsync(TestAppliance.TestAppliance.Configure);
        var config = SpillProofTests.Definition("any", 6379, 0, (JsonObject)JsonNode.Parse(autoscale)!);
        using var response = await appliance.Http.PostAsJsonAsync("connectors", new JsonObject { ["name"] = "bad", ["config"] = config });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["message"]!);
    }
}
