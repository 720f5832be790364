using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IngestHub.Client;
using IngestHub.Testing;
using IngestHub.Testing.Redis;
using StackExchange.Redis;

namespace IngestHub.Autoscaler.TestAppliance;

/// <summary>
/// <c>drain-bench [--records N] [--cost-us C] [--keys K]</c>: the same backlog (N keyed records in a 2-partition
/// topic, a sink costing C µs per event into a real redis-server) drained three times in one run — one worker and no
/// autoscaling, autoscaling without spill (up to the partition count), autoscaling with spill — each on a fresh
/// in-process appliance; prints the drain time of each (connector created → last record in Redis) and the ratios.
/// </summary>
public static class DrainBenchmark
{
    private sealed record Run(string Name, JsonObject? Autoscale);

    public static async Task<int> RunAsync(string[] args)
    {
        int records = Option(args, "--records", 200_000);
        int cost = Option(args, "--cost-us", 100);
        int keys = Option(args, "--keys", 1_000);
        Run[] runs =
        [
            new("no autoscaling (1 worker)", null),
            new("autoscaling, no spill (max 2 = partitions)", Policy(spill: false, records)),
            new("autoscaling with spill (×10 partitions)", Policy(spill: true, records)),
        ];
        Console.WriteLine($"drain-bench: {records:N0} keyed records ({keys:N0} keys), 2 partitions, sink cost {cost} µs/event, {Environment.ProcessorCount} cores");
        var results = new List<(string Name, TimeSpan Drain, string Detail)>();
        foreach (var run in runs)
        {
            var (drain, detail) = await DrainAsync(run, records, cost, keys);
            results.Add((run.Name, drain, detail));
            Console.WriteLine($"  {run.Name}: {drain.TotalSeconds:0.0} s {detail}");
        }
        Console.WriteLine();
        Console.WriteLine("| run | drain time | records/s | vs. no autoscaling |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (name, drain, _) in results)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {drain.TotalSeconds:0.0} s | {records / drain.TotalSeconds:N0} | {results[0].Drain.TotalSeconds / drain.TotalSeconds:0.00}× |"));
        return 0;
    }

    private static JsonObject Policy(bool spill, int records) => new()
    {
        ["min"] = 1,
        ["max"] = 2,
        ["lagThreshold"] = 5_000,
        ["interval"] = "1s",
        ["spill"] = spill
            ? new JsonObject { ["threshold"] = Math.Min(50_000, records / 4), ["after"] = "2s", ["factor"] = 10 }
            : new JsonObject { ["enabled"] = false },
    };

    private static async Task<(TimeSpan Drain, string Detail)> DrainAsync(Run run, int records, int cost, int keys)
    {
        await using var redis = await RedisServer.StartAsync();
        await using var appliance = await ApplianceHost.StartAsync(TestAppliance.Configure, "--Logging:LogLevel:Default=Warning");
        await using (var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = appliance.Bootstrap }))
            await admin.CreateTopicAsync("bench", 2);
        var backlog = new KeyedBacklog("bench", keys);
        await backlog.ProduceAsync(appliance.Bootstrap, records);

        var config = new JsonObject
        {
            ["input"] = new JsonObject { ["topics"] = new JsonArray("bench"), ["workers"] = 1, ["start"] = "earliest" },
            ["codec"] = "json",
            ["output"] = new JsonObject
            {
                ["type"] = SlowSinkFactory.OutputType, ["port"] = redis.Port, ["mode"] = "list", ["key"] = "seq:%{key}",
                ["cost.per.event.us"] = cost, ["batch.size"] = 500, ["linger.ms"] = 20,
            },
            ["errors"] = new JsonObject { ["tolerance"] = "all" },
        };
        if (run.Autoscale is not null)
            config["autoscale"] = run.Autoscale.DeepClone();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Endpoint);
        var db = connection.GetDatabase();
        var clock = Stopwatch.StartNew();
        using (var created = await appliance.Http.PostAsJsonAsync("connectors", new JsonObject { ["name"] = "bench-to-redis", ["config"] = config }))
            created.EnsureSuccessStatusCode();
        while (true)
        {
            var lengths = await Task.WhenAll(Enumerable.Range(0, keys).Select(k => db.ListLengthAsync("seq:k" + k)));
            if (lengths.Sum() >= records)
                break;
            if (clock.Elapsed > TimeSpan.FromMinutes(10))
                throw new TimeoutException($"{run.Name}: {lengths.Sum()} of {records} after 10 minutes");
            await Task.Delay(100);
        }
        var drain = clock.Elapsed;
        string detail = "";
        if (run.Autoscale is not null)
        {
            var target = await appliance.GetJsonAsync("api/autoscaler/bench-to-redis");
            long start = (long)target["decisions"]!.AsArray().First()!["at"]!;
            detail = "(" + string.Join(", ", target["decisions"]!.AsArray()
                .Where(d => (string)d!["kind"]! is "scale_up" or "spill_start" or "spill_cutoff" or "spill_done" or "spill_scale")
                .Select(d => $"{d!["kind"]}{(d["to"] is null ? "" : " → " + d["to"])} at +{((long)d["at"]! - start) / 1000.0:0.0} s")) + ")";
        }
        return (drain, detail);
    }

    private static int Option(string[] args, string name, int defaultValue)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : defaultValue;
    }
}
