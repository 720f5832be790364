using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IngestHub.Compat.Tests.Infrastructure;
using IngestHub.Testing.Redis;
using Xunit;

namespace IngestHub.Compat.Tests;

/// <summary>
/// The appliance's data directory on an 16 MiB tmpfs that is filled up: kcat's produce gets KAFKA_STORAGE_ERROR
/// (56), kcat still reads every acknowledged record, the Redis connector keeps delivering, /healthz and
/// /api/overview show the storage error; once space returns writes resume and, after a SIGKILL and restart,
/// every acknowledged record is in the log in order with nothing torn.
/// </summary>
public sealed class DiskFullTests
{
    private const string Topic = "full";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Lines(int from, int count) =>
        string.Concat(Enumerable.Range(from, count).Select(i => $"record-{i:D5}-" + new string('x', 200) + "\n"));

    private static Task<ProcessResult> ProduceAsync(ApplianceProcess appliance, int from, int count, params string[] extra) =>
        Kcat.RunAsync(["-P", "-b", appliance.Bootstrap, "-t", Topic, "-p", "0", "-X", "acks=all", .. extra], Lines(from, count),
            TimeSpan.FromSeconds(60), Ct);

    [Fact]
    public async Task A_full_disk_answers_produce_with_storage_errors_while_reads_connectors_and_the_api_go_on_and_writes_resume_with_nothing_lost()
    {
        await using var redis = await RedisServer.StartAsync(new RedisServerOptions { Runtime = RedisRuntime.Process });
        await using var appliance = ApplianceProcess.Create("--num-partitions", "1");
        using var mount = TmpfsMount.TryMount(appliance.DataDir, 16 << 20, out string reason);
        if (mount is null)
        {
            Assert.Skip(reason);
            return;
        }
        try
        {
            string pipelines = Path.Combine(appliance.ConfigDir, "pipelines");
            Directory.CreateDirectory(pipelines);
            await File.WriteAllTextAsync(Path.Combine(pipelines, "full.yaml"), $$"""
                name: full-to-redis
                input:
                  topics: [{{Topic}}]
                  workers: 1
                  start: earliest
                codec: plain
                output:
                  type: redis
                  port: {{redis.Port}}
                  mode: list
                  key: "full:list"
                errors:
                  tolerance: all
                """, Ct);
            await appliance.StartAsync();
            using var http = new HttpClient { BaseAddress = appliance.HttpBase, Timeout = TimeSpan.FromSeconds(30) };
            var db = await redis.DatabaseAsync();

            var first = await ProduceAsync(appliance, 0, 300);
            Assert.True(first.Succeeded, first.Describe() + appliance.Output);
            await Poll.UntilAsync(async () => await db.ListLengthAsync("full:list") >= 300, Deadline, () => "connector delivers the first 300\n" + appliance.Output);

            // Redis stops answering, so what is produced next waits in the connector while the disk fills.
            await redis.FreezeAsync();
            var second = await ProduceAsync(appliance, 300, 300);
            Assert.True(second.Succeeded, second.Describe() + appliance.Output);
            mount.Fill();

            var refused = await ProduceAsync(appliance, 600, 2000, "-X", "retries=0", "-X", "message.timeout.ms=20000");
            Assert.Contains("Disk error", refused.StdErr, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", appliance.Output, StringComparison.Ordinal);
            Assert.True(appliance.IsRunning, appliance.Output);

            var health = await http.GetFromJsonAsync<JsonObject>("healthz", Ct);
            Assert.Equal("degraded", health!["status"]!.GetValue<string>());
            var storage = (await http.GetFromJsonAsync<JsonObject>("api/overview", Ct))!["broker"]!["storage"]!;
            Assert.Equal("error", storage["status"]!.GetValue<string>());
            // The latest failure is shown: the refused append, or the flush/retention pass that ran into the full disk after it.
            Assert.Contains("No space left on device", storage["error"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.True(storage["failures"]!.GetValue<long>() >= 1);

            // Reads go on: every acknowledged record, and the connector delivers the 300 it held once Redis answers.
            var read = await Kcat.ConsumeAllAsync(appliance.Bootstrap, Topic, ConsumedRecord.KcatFormat, cancellationToken: Ct);
            Assert.True(read.Succeeded, read.Describe());
            Assert.True(ConsumedRecord.ParseAll(read.StdOut).Count >= 600, read.Describe());
            await redis.ThawAsync();
            await Poll.UntilAsync(async () => (await db.ListRangeAsync("full:list")).Select(v => v.ToString()).Distinct().Count() >= 600,
                Deadline, () => "connector delivers the 300 produced before the disk filled\n" + appliance.Output);

            // Space returns: writes resume (kcat retries on its own) and the health clears.
            mount.Free();
            var resumed = await ProduceAsync(appliance, 2600, 300);
            Assert.True(resumed.Succeeded, resumed.Describe() + appliance.Output);
            // Each area clears with its own next successful write (the append here, the connector's next commit, the
            // next flush pass), so the health turns back within moments, not necessarily at once.
            await Poll.UntilAsync(async () => (await http.GetFromJsonAsync<JsonObject>("healthz", Ct))!["status"]!.GetValue<string>() == "ok",
                Deadline, () => "health back to ok once writes succeed\n" + appliance.Output);
            Assert.Equal("ok", (await http.GetFromJsonAsync<JsonObject>("api/overview", Ct))!["broker"]!["storage"]!["status"]!.GetValue<string>());

            appliance.Kill();
            await appliance.StartAsync();
            var all = await Kcat.ConsumeAllAsync(appliance.Bootstrap, Topic, ConsumedRecord.KcatFormat, cancellationToken: Ct);
            Assert.True(all.Succeeded, all.Describe());
            var records = ConsumedRecord.ParseAll(all.StdOut);
            Assert.Equal(Enumerable.Range(0, records.Count).Select(i => (long)i), records.Select(r => r.Offset));
            var values = records.Select(r => r.Value).ToHashSet();
            foreach (int i in Enumerable.Range(0, 600).Concat(Enumerable.Range(2600, 300)))
                Assert.Contains(Lines(i, 1).TrimEnd('\n'), values);
            Assert.All(records, r => Assert.Matches(@"^record-\d{5}-x{200}$", r.Value));
            Assert.DoesNotContain("invalid batch", appliance.Output, StringComparison.Ordinal);
            await Poll.UntilAsync(async () => (await db.ListRangeAsync("full:list")).Select(v => v.ToString()).Distinct().Count() >= records.Count,
                Deadline, () => "connector delivers every record after the restart\n" + appliance.Output);
        }
        finally
        {
            appliance.Kill();
        }
    }
}
