using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using IngestHub.Client;
using IngestHub.Testing;
using IngestHub.Testing.Redis;
using StackExchange.Redis;

namespace IngestHub.Connectors.Redis.Tests;

/// <summary>
/// Connectors end to end: records produced to the appliance's broker flow through a pipeline (consumer-group
/// workers, json codec, filters) into a real redis-server, with offsets committed only after Redis acknowledged.
/// Each test throws its server away, so it runs as a child process; the SIGKILL test runs it in a container when a
/// Docker engine answers, so killing and restarting through the engine is proven too.
/// </summary>
public sealed class RedisPipelineTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);
    private static readonly RedisServerOptions Process = new() { Runtime = RedisRuntime.Process };

    private static JsonObject Definition(string topic, int redisPort, string key, int workers = 4, string tolerance = "all", int batch = 500) => new()
    {
        ["input"] = new JsonObject { ["topics"] = new JsonArray(topic), ["workers"] = workers, ["start"] = "earliest" },
        ["codec"] = "json",
        ["filters"] = new JsonArray(
            new JsonObject { ["mutate"] = new JsonObject { ["add_field"] = new JsonObject { ["src"] = "%{[@metadata][kafka][partition]}-%{[@metadata][kafka][offset]}" } } }),
        ["output"] = new JsonObject { ["type"] = "redis", ["port"] = redisPort, ["mode"] = "list", ["key"] = key, ["batch.size"] = batch, ["linger.ms"] = 20 },
        ["errors"] = new JsonObject { ["tolerance"] = tolerance },
    };

    private static async Task CreateTopicAsync(ApplianceHost appliance, string topic, int partitions)
    {
        await using var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = appliance.Bootstrap });
        await admin.CreateTopicAsync(topic, partitions);
    }

    /// <summary>Produces <paramref name="count"/> JSON events {"n": i}; returns every (partition, offset) as "p-o".</summary>
    private static async Task<HashSet<string>> ProduceAsync(ApplianceHost appliance, string topic, int from, int count, Func<int, string>? value = null)
    {
        await using var producer = new KafkaProducer(new ProducerOptions { BootstrapServers = appliance.Bootstrap, LingerMs = 5, BatchSize = 64 * 1024 });
        var pending = new List<Task<DeliveryResult>>(count);
        for (int i = from; i < from + count; i++)
        {
            string text = value?.Invoke(i) ?? $"{{\"n\":{i},\"message\":\"event {i}\"}}";
            pending.Add(producer.ProduceAsync(topic, Encoding.UTF8.GetBytes("k" + i), Encoding.UTF8.GetBytes(text)));
        }
        var delivered = await Task.WhenAll(pending);
        return [.. delivered.Select(d => $"{d.Partition}-{d.Offset}")];
    }

    private static async Task<List<string>> SourcesInRedisAsync(RedisServer redis, string key)
    {
        var items = await (await redis.DatabaseAsync()).ListRangeAsync(key);
        var sources = new List<string>(items.Length);
        foreach (var item in items)
            sources.Add(JsonNode.Parse(item.ToString())!["src"]!.GetValue<string>());
        return sources;
    }

    private static async Task<long> ListLengthAsync(RedisServer redis, string key)
    {
        try
        {
            return await (await redis.DatabaseAsync()).ListLengthAsync(key);
        }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException)
        {
            return -1;
        }
    }

    private static async Task<HttpStatusCode> CreateConnectorAsync(ApplianceHost appliance, string name, JsonObject config)
    {
        using var response = await appliance.Http.PostAsJsonAsync("connectors", new JsonObject { ["name"] = name, ["config"] = config.DeepClone() });
        return response.StatusCode;
    }

    [Fact]
    public async Task Hundred_thousand_events_through_four_workers_land_in_redis_exactly_once()
    {
        await using var redis = await RedisServer.StartAsync(Process);
        await using var appliance = await ApplianceHost.StartAsync();
        await CreateTopicAsync(appliance, "web", 4);
        var produced = await ProduceAsync(appliance, "web", 0, 100_000);
        Assert.Equal(HttpStatusCode.Created, await CreateConnectorAsync(appliance, "web-to-redis", Definition("web", redis.Port, "web-events")));

        await Poll.UntilAsync(async () => await ListLengthAsync(redis, "web-events") >= 100_000, Deadline,
            () => $"redis list has {ListLengthAsync(redis, "web-events").Result} entries");
        var sources = await SourcesInRedisAsync(redis, "web-events");
        Assert.Equal(100_000, sources.Count);
        Assert.Equal(100_000, sources.Distinct().Count());
        Assert.True(produced.SetEquals(sources), "every produced offset is in redis once");

        var status = await appliance.GetJsonAsync("connectors/web-to-redis/status");
        Assert.Equal("RUNNING", status["connector"]!["state"]!.GetValue<string>());
        Assert.Equal(4, status["tasks"]!.AsArray().Count);
        var partitions = status["tasks"]!.AsArray().SelectMany(t => t!["partitions"]!.AsArray().Select(p => p!.GetValue<string>())).ToList();
        Assert.Equal(4, partitions.Distinct().Count());
    }

    [Fact]
    public async Task Redis_dying_mid_run_is_reported_retried_and_nothing_is_lost()
    {
        // Durable redis: what it acknowledged before the kill is still there after it restarts.
        await using var redis = await RedisServer.StartAsync(new RedisServerOptions { Durable = true });
        await using var appliance = await ApplianceHost.StartAsync();
        await CreateTopicAsync(appliance, "orders", 4);
        var produced = await ProduceAsync(appliance, "orders", 0, 20_000);
        // Small batches so the run is still going when redis dies.
        Assert.Equal(HttpStatusCode.Created, await CreateConnectorAsync(appliance, "orders-to-redis", Definition("orders", redis.Port, "orders", workers: 2, batch: 50)));
        await Poll.UntilAsync(async () => await ListLengthAsync(redis, "orders") > 0, Deadline, () => "first events arrive");

        await redis.KillAsync();
        await Poll.UntilAsync(async () =>
        {
            var s = await appliance.GetJsonAsync("connectors/orders-to-redis/status");
            return s["connector"]!["trace"] is JsonValue trace && trace.GetValue<string>().Contains("unavailable", StringComparison.Ordinal);
        }, Deadline, () => "status reports the sink failure");
        produced.UnionWith(await ProduceAsync(appliance, "orders", 20_000, 5_000));
        await redis.RestartAsync();

        await Poll.UntilAsync(async () =>
        {
            try
            {
                return produced.IsSubsetOf(await SourcesInRedisAsync(redis, "orders"));
            }
            catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException)
            {
                return false;
            }
        }, Deadline, () => "every offset delivered after redis came back");
        var all = await SourcesInRedisAsync(redis, "orders");
        int repeats = all.Count - all.Distinct().Count();
        output.WriteLine($"redis ({redis.Runtime}) killed mid-run: {produced.Count} offsets, {all.Count} deliveries, {repeats} repeated (batches in flight when redis died)");
        Assert.True(produced.SetEquals(all.Distinct()));
        var status = await appliance.GetJsonAsync("connectors/orders-to-redis/status");
        Assert.True(status["counters"]!["retries"]!.GetValue<long>() > 0);
        Assert.Equal("RUNNING", status["connector"]!["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task Stopping_the_appliance_mid_run_and_starting_it_again_delivers_every_offset()
    {
        await using var redis = await RedisServer.StartAsync(Process);
        await using var appliance = await ApplianceHost.StartAsync();
        await CreateTopicAsync(appliance, "clicks", 4);
        var produced = await ProduceAsync(appliance, "clicks", 0, 30_000);
        Assert.Equal(HttpStatusCode.Created, await CreateConnectorAsync(appliance, "clicks-to-redis", Definition("clicks", redis.Port, "clicks", workers: 2, batch: 100)));
        await Poll.UntilAsync(async () => await ListLengthAsync(redis, "clicks") > 1_000, Deadline, () => "the run is under way");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await appliance.StopAsync(); // graceful: workers finish their batch, commit, leave
        output.WriteLine($"stopped in {clock.ElapsedMilliseconds} ms with {await ListLengthAsync(redis, "clicks")} delivered");
        await appliance.StartAsync();
        output.WriteLine($"started in {clock.ElapsedMilliseconds} ms");
        await Poll.UntilAsync(async () => await ListLengthAsync(redis, "clicks") >= produced.Count, Deadline,
            () => $"{ListLengthAsync(redis, "clicks").Result} of {produced.Count} delivered after restart");
        output.WriteLine($"drained in {clock.ElapsedMilliseconds} ms");
        var sources = await SourcesInRedisAsync(redis, "clicks");
        int repeats = sources.Count - sources.Distinct().Count();
        output.WriteLine($"appliance restarted mid-run: {produced.Count} offsets, {sources.Count} deliveries, {repeats} repeated");
        Assert.True(produced.SetEquals(sources.Distinct()));
        Assert.Equal(0, repeats); // a graceful stop commits what was delivered
    }

    [Fact]
    public async Task Invalid_json_goes_to_the_dead_letter_topic_with_error_headers_and_the_rest_flows_on()
    {
        await using var redis = await RedisServer.StartAsync(Process);
        await using var appliance = await ApplianceHost.StartAsync();
        await CreateTopicAsync(appliance, "mixed", 1);
        await ProduceAsync(appliance, "mixed", 0, 10, i => i == 4 ? "this is {not json" : $"{{\"n\":{i}}}");
        Assert.Equal(HttpStatusCode.Created, await CreateConnectorAsync(appliance, "mixed-to-redis", Definition("mixed", redis.Port, "mixed", workers: 1)));

        await Poll.UntilAsync(async () => await ListLengthAsync(redis, "mixed") == 9, Deadline, () => "the nine good events arrive");
        await using var consumer = new KafkaConsumer(new ConsumerOptions { BootstrapServers = appliance.Bootstrap, AutoOffsetReset = AutoOffsetReset.Earliest });
        // The dead-letter topic is auto-created with the default partition count; read all of it.
        consumer.Assign(Enumerable.Range(0, 3).Select(p => new TopicPartition("mixed-to-redis.dlq", p)));
        ConsumeResult? letter = null;
        await Poll.UntilAsync(async () => (letter ??= await consumer.ConsumeAsync(TimeSpan.FromMilliseconds(500))) is not null, Deadline, () => "a dead letter");
        Assert.Equal("this is {not json", Encoding.UTF8.GetString(letter!.Value!));
        string Header(string key) => Encoding.UTF8.GetString(letter.Headers.Single(h => h.Key == key).Value!);
        Assert.Equal("mixed-to-redis", Header("ingesthub.errors.connector.name"));
        Assert.Equal("codec", Header("ingesthub.errors.stage"));
        Assert.Equal("mixed", Header("ingesthub.errors.topic"));
        Assert.Equal("0", Header("ingesthub.errors.partition"));
        Assert.Equal("4", Header("ingesthub.errors.offset"));
        Assert.False(string.IsNullOrWhiteSpace(Header("ingesthub.errors.exception.message")));

        var status = await appliance.GetJsonAsync("connectors/mixed-to-redis/status");
        Assert.Equal(1, status["counters"]!["dead_lettered"]!.GetValue<long>());
        Assert.Equal(4, status["recent_dead_letters"]![0]!["offset"]!.GetValue<long>());
    }

    [Fact]
    public async Task With_errors_tolerance_none_a_bad_record_stops_the_connector_as_failed_with_the_reason()
    {
        await using var redis = await RedisServer.StartAsync(Process);
        await using var appliance = await ApplianceHost.StartAsync();
        await CreateTopicAsync(appliance, "strict", 1);
        await ProduceAsync(appliance, "strict", 0, 5, i => i == 2 ? "garbage" : $"{{\"n\":{i}}}");
        Assert.Equal(HttpStatusCode.Created, await CreateConnectorAsync(appliance, "strict-to-redis", Definition("strict", redis.Port, "strict", workers: 1, tolerance: "none")));

        JsonObject? status = null;
        await Poll.UntilAsync(async () => (status = await appliance.GetJsonAsync("connectors/strict-to-redis/status"))["connector"]!["state"]!.GetValue<string>() == "FAILED",
            Deadline, () => "connector fails");
        string trace = status!["connector"]!["trace"]!.GetValue<string>();
        Assert.Contains("strict-0@2", trace, StringComparison.Ordinal);
        Assert.Contains("errors.tolerance=none", trace, StringComparison.Ordinal);
        // The failed batch was not committed: nothing of it reached redis, and the group's offset did not move.
        Assert.Equal(0, await ListLengthAsync(redis, "strict"));
        await using var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = appliance.Bootstrap });
        var committed = await admin.ListGroupOffsetsAsync("strict-to-redis");
        Assert.True(committed.Count == 0 || committed.Values.All(o => o <= 0));
    }

    [Fact]
    public async Task Rest_api_creates_pauses_resumes_updates_and_deletes_a_running_connector()
    {
        await using var redis = await RedisServer.StartAsync(Process);
        await using var appliance = await ApplianceHost.StartAsync();
        await CreateTopicAsync(appliance, "api", 4);
        await ProduceAsync(appliance, "api", 0, 1_000);
        var config = Definition("api", redis.Port, "api", workers: 1);

        Assert.Equal(HttpStatusCode.Created, await CreateConnectorAsync(appliance, "api-to-redis", config));
        Assert.Equal(HttpStatusCode.Conflict, await CreateConnectorAsync(appliance, "api-to-redis", config));
        var bad = (JsonObject)config.DeepClone();
        bad["input"]!["workers"] = 0;
        using (var response = await appliance.Http.PostAsJsonAsync("connectors", new JsonObject { ["name"] = "bad", ["config"] = bad }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("input.workers", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(["api-to-redis"], (await appliance.Http.GetFromJsonAsync<string[]>("connectors"))!);
        await Poll.UntilAsync(async () => await ListLengthAsync(redis, "api") == 1_000, Deadline, () => "first thousand delivered");

        // Pause: nothing more is consumed, so the group's lag grows.
        Assert.Equal(HttpStatusCode.Accepted, (await appliance.Http.PutAsync("connectors/api-to-redis/pause", null)).StatusCode);
        await Poll.UntilAsync(async () =>
        {
            var s = await appliance.GetJsonAsync("connectors/api-to-redis/status");
            return s["connector"]!["state"]!.GetValue<string>() == "PAUSED" && s["tasks"]!.AsArray().All(t => t!["state"]!.GetValue<string>() == "PAUSED");
        }, Deadline, () => "connector and its workers paused");
        await ProduceAsync(appliance, "api", 1_000, 500);
        await using var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = appliance.Bootstrap });
        await Poll.UntilAsync(async () => (await admin.GetGroupLagAsync("api-to-redis")).Sum(l => l.Lag) == 500, Deadline,
            () => "lag of 500 while paused: " + string.Join(", ", admin.GetGroupLagAsync("api-to-redis").Result.Select(l => $"{l.Partition}:{l.Lag}")));
        Assert.Equal(1_000, await ListLengthAsync(redis, "api"));

        // Resume: the backlog drains.
        Assert.Equal(HttpStatusCode.Accepted, (await appliance.Http.PutAsync("connectors/api-to-redis/resume", null)).StatusCode);
        await Poll.UntilAsync(async () => await ListLengthAsync(redis, "api") == 1_500, Deadline, () => "backlog drained after resume");

        // Config update: more workers, applied live.
        var updated = (JsonObject)config.DeepClone();
        updated["input"]!["workers"] = 3;
        using (var put = await appliance.Http.PutAsJsonAsync("connectors/api-to-redis/config", updated))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        await Poll.UntilAsync(async () => (await appliance.GetJsonAsync("connectors/api-to-redis/status"))["tasks"]!.AsArray().Count == 3, Deadline, () => "three workers");
        Assert.Equal(3, (await appliance.GetJsonAsync("connectors/api-to-redis/config"))["input"]!["workers"]!.GetValue<int>());
        await ProduceAsync(appliance, "api", 1_500, 300);
        await Poll.UntilAsync(async () => await ListLengthAsync(redis, "api") == 1_800, Deadline, () => "new records with three workers");

        // Delete.
        Assert.Equal(HttpStatusCode.NoContent, (await appliance.Http.DeleteAsync("connectors/api-to-redis")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await appliance.Http.GetAsync("connectors/api-to-redis/status")).StatusCode);
        Assert.Empty((await appliance.Http.GetFromJsonAsync<string[]>("connectors"))!);
    }

    [Fact]
    public async Task Connectors_created_through_the_api_survive_a_restart()
    {
        await using var redis = await RedisServer.StartAsync(Process);
        await using var appliance = await ApplianceHost.StartAsync();
        await CreateTopicAsync(appliance, "kept", 2);
        Assert.Equal(HttpStatusCode.Created, await CreateConnectorAsync(appliance, "kept-to-redis", Definition("kept", redis.Port, "kept", workers: 1)));
        await appliance.Http.PutAsync("connectors/kept-to-redis/pause", null);
        await appliance.RestartAsync();
        Assert.Equal(["kept-to-redis"], (await appliance.Http.GetFromJsonAsync<string[]>("connectors"))!);
        var status = await appliance.GetJsonAsync("connectors/kept-to-redis/status");
        Assert.Equal("PAUSED", status["connector"]!["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_pipeline_defined_in_yaml_under_the_config_dir_runs_at_start()
    {
        await using var redis = await RedisServer.StartAsync(Process);
        string pipelines = Path.Combine(Path.GetTempPath(), "ingesthub-yaml-pipelines", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(pipelines);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(pipelines, "yaml-logs.yaml"), $$"""
                name: yaml-logs
                input:
                  topics: [yaml-logs]
                  workers: 1
                codec: plain
                filters:
                  - grok:
                      match:
                        message: "%{WORD:level} %{GREEDYDATA:text}"
                output:
                  type: redis
                  port: {{redis.Port}}
                  mode: list
                  key: "yaml:%{level}"
                errors:
                  tolerance: all
                """);
            await using var appliance = await ApplianceHost.StartAsync("--pipelines-dir", pipelines);
            Assert.Equal(["yaml-logs"], (await appliance.Http.GetFromJsonAsync<string[]>("connectors"))!);
            await ProduceAsync(appliance, "yaml-logs", 0, 20, i => i % 2 == 0 ? $"INFO started {i}" : $"ERROR failed {i}");
            await Poll.UntilAsync(async () => await ListLengthAsync(redis, "yaml:INFO") == 10 && await ListLengthAsync(redis, "yaml:ERROR") == 10,
                Deadline, () => "grok-parsed lines in per-level lists");
        }
        finally
        {
            Directory.Delete(pipelines, recursive: true);
        }
    }
}
