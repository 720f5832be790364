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
/// A spill survives SIGKILL of the appliance in each phase: killed while relaying (new records arriving), while
/// draining (new records held in the source), and while switching back; each restart resumes the persisted phase,
/// and in the end every record is in Redis once or more, each key's records in order, and the spill topic is gone.
/// </summary>
public sealed class SpillCrashTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);
    private const string Connector = "events-to-redis";

    [Fact]
    public async Task Killed_while_relaying_draining_and_switching_back_every_record_arrives_in_key_order()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var appliance = new ApplianceProcess();
        try
        {
            await RunAsync(appliance, redis);
        }
        catch
        {
            output.WriteLine(appliance.Output);
            throw;
        }
    }

    private async Task RunAsync(ApplianceProcess appliance, RedisServer redis)
    {
        await appliance.StartAsync();
        await using (var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = appliance.Bootstrap }))
            await admin.CreateTopicAsync("events", 2);
        var backlog = new KeyedBacklog("events", keys: 200);
        await backlog.ProduceAsync(appliance.Bootstrap, 12_000);
        // The spill is started by hand; four spill workers at 1 ms per event keep each phase long enough to hit.
        var autoscale = new JsonObject
        {
            ["max"] = 2,
            ["lagThreshold"] = 2_000,
            ["interval"] = "1s",
            ["spill"] = new JsonObject { ["threshold"] = 1_000_000_000, ["factor"] = 10, ["maxWorkers"] = 4, ["switchBackLag"] = 5_000 },
        };
        using (var created = await appliance.Http.PostAsJsonAsync("connectors", new JsonObject { ["name"] = Connector, ["config"] = SpillProofTests.Definition("events", redis.Port, 1_000, autoscale) }))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await PollAsync(appliance, t => t["actual_workers"]!.GetValue<int>() >= 1, "the autoscaler watching the connector");
        using (var spill = await appliance.Http.PostAsync($"api/autoscaler/{Connector}/spill", null))
            Assert.Equal(HttpStatusCode.Accepted, spill.StatusCode);
        var ledger = new RedisLedger(redis.Endpoint);

        // 1. Relaying: the pool has delivered some of the spill; kill.
        await PollAsync(appliance, t => (string)t["phase"]! == "relaying" && (long)t["spill"]!["lag"]! > 0, "relaying");
        await Poll.UntilAsync(async () => await ledger.CountAsync(backlog.Keys) > 500, Deadline, () => "first spilled records in redis");
        appliance.Kill();
        output.WriteLine($"killed while relaying with {await ledger.CountAsync(backlog.Keys)} entries in redis");

        // Restarted it relays again; new records arrive and go through the spill (or, once the relay has reached its
        // cut-offs, wait in the source). Draining can last only milliseconds with four spill workers, so the test
        // appliance holds the autoscaler when it enters draining, and the kill lands inside that phase.
        await appliance.StartAsync(new Dictionary<string, string> { [PausingSpillObserver.PhaseVariable] = "draining" });
        await PollAsync(appliance, t => (string)t["phase"]! is "relaying" or "draining", "relaying after the restart");
        await backlog.ProduceAsync(appliance.Bootstrap, 1_000);

        // 2. Draining: the relay has stopped at its cut-offs; kill.
        await Poll.UntilAsync(() => appliance.Printed(PausingSpillObserver.Marker + "draining"), Deadline, () => "the draining phase");
        var draining = await PollAsync(appliance, t => (string)t["phase"]! == "draining", "draining");
        appliance.Kill();
        output.WriteLine($"killed while draining; cut-offs {draining["spill"]!["cutoffs"]!.ToJsonString()}");

        // Restarted it holds the source while it drains (the rest of the spill may already be gone, so it can be on
        // to switching back, held there by the test appliance); records produced now wait there for the switch back.
        await appliance.StartAsync(new Dictionary<string, string> { [PausingSpillObserver.PhaseVariable] = "switching_back" });
        await PollAsync(appliance, t => (string)t["phase"]! is "draining" or "switching_back", "draining after the restart");
        var status = await appliance.GetJsonAsync($"connectors/{Connector}/status");
        Assert.Equal("hold", (string)status["mode"]!);
        await backlog.ProduceAsync(appliance.Bootstrap, 1_000);

        // 3. Switching back (held there by the test appliance); kill.
        await Poll.UntilAsync(() => appliance.Printed(PausingSpillObserver.Marker + "switching_back"), Deadline, () => "the switching_back phase");
        appliance.Kill();
        output.WriteLine("killed while switching back");

        await appliance.StartAsync();
        // Entries include the duplicates replays leave (at-least-once), so wait for distinct ids.
        await Poll.UntilAsync(async () => (await ledger.CheckAsync(backlog.PerKey)).DistinctIds >= backlog.Produced, Deadline,
            () => $"redis holds {ledger.CheckAsync(backlog.PerKey).Result.DistinctIds} distinct ids of {backlog.Produced}");
        var done = await PollAsync(appliance, t => (string)t["phase"]! == "normal" && SpillProofTests.Decisions(t, "spill_done").Any(), "the spill finished");
        output.WriteLine((string)SpillProofTests.Decisions(done, "spill_done").First()["reason"]!);
        var verdict = await ledger.CheckAsync(backlog.PerKey);
        output.WriteLine(verdict.ToString());
        Assert.Equal(backlog.Produced, verdict.DistinctIds);
        Assert.Empty(verdict.Problems);
        await using (var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = appliance.Bootstrap }))
            Assert.Equal(ErrorCode.UnknownTopicOrPartition, (await admin.DescribeTopicsAsync(["events.spill.1"])).Topics["events.spill.1"].Error);
    }

    private static async Task<JsonObject> PollAsync(ApplianceProcess appliance, Func<JsonObject, bool> done, string what)
    {
        JsonObject? last = null;
        await Poll.UntilAsync(async () =>
        {
            try
            {
                using var response = await appliance.Http.GetAsync($"api/autoscaler/{Connector}");
                if (response.StatusCode != HttpStatusCode.OK)
                    return false;
                last = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
                return done(last);
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, Deadline, () => $"{what}; last status: {last?.ToJsonString()}");
        return last!;
    }
}
