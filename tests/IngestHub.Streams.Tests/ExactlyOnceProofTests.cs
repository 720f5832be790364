using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IngestHub.Streams.TestTopologies;

namespace IngestHub.Streams.Tests;

/// <summary>
/// 200,000 log records through the appliance's Kafka spout → parse → a bolt failing 10 % of tuples at random
/// (and a second one on a parallel branch) → per-minute counts per service and level → a real redis-server: the
/// hashes must equal the counts computed from the input, also when the appliance is SIGKILLed mid-run and
/// started again. The appliance runs as a child process with the topology in its topologies folder and the
/// failing bolt in a topology assembly next to it.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class ExactlyOnceProofTests(BrokerFixture fixture)
{
    private const int Records = 200_000;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(240);

    [Fact]
    public async Task Window_counts_in_redis_equal_the_input_after_failures_and_a_sigkill_of_the_appliance_mid_run()
    {
        var data = LogData.Generate(Records, seed: 42, step: TimeSpan.FromMilliseconds(30), services: 5, partitions: 4);
        await using var appliance = ApplianceProcess.Create("--num-partitions", "4");
        string topologies = Path.Combine(appliance.ConfigDir, "topologies");
        Directory.CreateDirectory(topologies);
        File.Copy(typeof(ChaosBolt).Assembly.Location, Path.Combine(topologies, Path.GetFileName(typeof(ChaosBolt).Assembly.Location)));
        string prefix = BrokerFixture.Unique("proof");
        await File.WriteAllTextAsync(Path.Combine(topologies, "proof.yaml"), WindowAggregateBoltTests.CountsYaml("proof", "proof-logs", fixture.Redis.Port, prefix));

        await appliance.StartAsync();
        using var http = new HttpClient { BaseAddress = appliance.HttpBase, Timeout = TimeSpan.FromSeconds(30) };
        await Poll.UntilAsync(async () => (await StatusAsync(http))?["state"]?.GetValue<string>() == "ACTIVE", Deadline, () => appliance.Output);
        await using (var kafka = new KafkaTestClient(appliance.Bootstrap))
            await kafka.ProduceAsync("proof-logs", data.Records.Select(r => ((string?)r.Key, r.Value, (int?)r.Partition)));

        // Kill once a good part of the windows is in Redis (others are open, some written but not yet committed).
        using var redis = new RedisHashes(fixture.Redis.Endpoint);
        int maxPending = 0;
        await Poll.UntilAsync(async () =>
        {
            maxPending = Math.Max(maxPending, await SpoutPendingAsync(http));
            return redis.Read(prefix).Count >= data.Counts.Count / 3;
        }, Deadline, () => $"{redis.Read(prefix).Count} of {data.Counts.Count} hashes\n{appliance.Output}");
        appliance.Kill();
        int beforeKill = redis.Read(prefix).Count;
        Assert.True(beforeKill < data.Counts.Count, "killed before the last window was written");

        await appliance.StartAsync();
        await Poll.UntilAsync(async () =>
        {
            maxPending = Math.Max(maxPending, await SpoutPendingAsync(http));
            return RedisHashes.Differences(data.Counts, redis.Read(prefix)).Count == 0;
        }, Deadline, () => string.Join("; ", RedisHashes.Differences(data.Counts, redis.Read(prefix)).Take(5)) + "\n" + appliance.Output);

        // Two spout tasks, each never above max.spout.pending (1,000).
        Assert.InRange(maxPending, 1, 2 * 1_000);
        var status = await StatusAsync(http);
        var spout = status!["spouts"]!.AsArray().Single()!;
        Assert.True(spout["failed"]!.GetValue<long>() > 0, "the failing bolts failed tuples after the restart too");
    }

    private static async Task<JsonObject?> StatusAsync(HttpClient http)
    {
        try
        {
            return await http.GetFromJsonAsync<JsonObject>("api/topologies/proof");
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static async Task<int> SpoutPendingAsync(HttpClient http) =>
        (await StatusAsync(http))?["spouts"]?.AsArray().Sum(s => s!["pending"]!.GetValue<int>()) ?? 0;
}
