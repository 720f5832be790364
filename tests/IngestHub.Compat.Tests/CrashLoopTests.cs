using System.Text.RegularExpressions;
using IngestHub.Compat.Tests.Infrastructure;
using IngestHub.Testing.Redis;
using Xunit;

namespace IngestHub.Compat.Tests;

/// <summary>
/// The appliance is SIGKILLed every 4–6 s for 60 s while librdkafka's idempotent producer (python
/// confluent_kafka) sends with acks=all to a broker that fsyncs before answering, and a Redis connector copies
/// the topic into a real redis-server: no acknowledged record is missing from the log, and none is missing in
/// Redis (duplicates are allowed: the connector delivers at least once).
/// </summary>
public sealed partial class CrashLoopTests
{
    private const string Topic = "chaos";
    private static readonly TimeSpan ChaosDuration = TimeSpan.FromSeconds(60);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sigkill_every_few_seconds_under_acks_all_with_fsync_loses_no_acknowledged_record_in_the_log_or_in_redis()
    {
        await using var redis = await RedisServer.StartAsync(new RedisServerOptions { Runtime = RedisRuntime.Process });
        await using var appliance = ApplianceProcess.Create("--fsync-on-acks-all", "true", "--num-partitions", "2");
        string pipelines = Path.Combine(appliance.ConfigDir, "pipelines");
        Directory.CreateDirectory(pipelines);
        await File.WriteAllTextAsync(Path.Combine(pipelines, "chaos.yaml"), $$"""
            name: chaos-to-redis
            input:
              topics: [{{Topic}}]
              workers: 2
              start: earliest
            codec: plain
            output:
              type: redis
              port: {{redis.Port}}
              mode: list
              key: "chaos:list"
              batch.size: 500
            errors:
              tolerance: all
            """, Ct);
        await appliance.StartAsync();

        string script = Path.Combine(RepoLayout.Root, "tests", "IngestHub.Compat.Tests", "python", "chaos_producer.py");
        await using var producer = BackgroundProcess.Start(PythonScript.Interpreter, [script, appliance.Bootstrap, Topic]);
        Assert.True(await producer.WaitForLinesAsync(100, TimeSpan.FromSeconds(60)), producer.Describe() + appliance.Output);

        int kills = 0;
        var random = new Random(17);
        var end = DateTime.UtcNow + ChaosDuration;
        while (DateTime.UtcNow < end)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(4000, 6001)), Ct);
            appliance.Kill();
            kills++;
            await appliance.StartAsync();
            Assert.False(producer.HasExited, producer.Describe());
        }
        Assert.True(await producer.StopAsync(TimeSpan.FromSeconds(90)), producer.Describe());
        var lines = producer.Lines();
        var acknowledged = lines.Where(l => l.StartsWith("ACK ", StringComparison.Ordinal)).Select(l => l.Split(' ')[1]).ToHashSet();
        Assert.Contains(lines, l => l.StartsWith("DONE ", StringComparison.Ordinal));
        Assert.True(acknowledged.Count >= 1000, $"only {acknowledged.Count} acknowledged\n{producer.Describe()}");

        var consume = await Kcat.ConsumeAllAsync(appliance.Bootstrap, Topic, ConsumedRecord.KcatFormat, TimeSpan.FromSeconds(120), Ct);
        Assert.True(consume.Succeeded, consume.Describe());
        var records = ConsumedRecord.ParseAll(consume.StdOut);
        var inLog = records.Select(r => r.Key).ToHashSet();
        var missing = acknowledged.Where(k => !inLog.Contains(k)).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {acknowledged.Count} acknowledged records missing from the log after {kills} kills, e.g. {string.Join(", ", missing.Take(5))}\n{appliance.Output}");
        Assert.All(records, r => Assert.Equal("value-of-" + r.Key, r.Value));
        foreach (var partition in records.GroupBy(r => r.Partition))
            Assert.Equal(Enumerable.Range(0, partition.Count()).Select(i => (long)i), partition.Select(r => r.Offset));

        var db = await redis.DatabaseAsync();
        List<string> missingInRedis = [];
        await Poll.UntilAsync(async () =>
        {
            var inRedis = (await db.ListRangeAsync("chaos:list")).SelectMany(v => KeyPattern().Matches(v.ToString()).Select(m => m.Value)).ToHashSet();
            missingInRedis = [.. acknowledged.Where(k => !inRedis.Contains(k))];
            return missingInRedis.Count == 0;
        }, TimeSpan.FromSeconds(120), () => $"{missingInRedis.Count} of {acknowledged.Count} acknowledged records missing in Redis, e.g. {string.Join(", ", missingInRedis.Order(StringComparer.Ordinal).Take(5))}\n{appliance.Output}");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{kills} kills, {acknowledged.Count} acknowledged, {records.Count} in the log, {await db.ListLengthAsync("chaos:list")} deliveries to Redis");
    }

    [GeneratedRegex(@"\bk\d{6}\b")]
    private static partial Regex KeyPattern();
}
