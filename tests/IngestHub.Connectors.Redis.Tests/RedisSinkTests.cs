using System.Diagnostics;
using System.Text.Json.Nodes;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Events;
using IngestHub.Pipelines.Sinks;
using IngestHub.Testing;
using IngestHub.Testing.Redis;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using static IngestHub.Connectors.Redis.Tests.RedisSinks;

namespace IngestHub.Connectors.Redis.Tests;

public class RedisSinkTests(RedisServerFixture fixture) : IClassFixture<RedisServerFixture>
{
    private readonly RedisServer _server = fixture.Server;

    [Fact]
    public async Task List_mode_pushes_each_event_json_without_metadata()
    {
        var key = "list-" + Guid.NewGuid();
        await using var sink = await StartAsync(_server, new() { ["mode"] = "list", ["key"] = key });
        var batch = new[] { Event(0, "first"), Event(1, "second"), Event(2, "third") };

        var result = await sink.WriteAsync(batch, Ct);

        Assert.Empty(result.Rejected);
        var items = await (await _server.DatabaseAsync()).ListRangeAsync(key);
        Assert.Equal(3, items.Length);
        for (int i = 0; i < 3; i++)
            Assert.True(JsonNode.DeepEquals(batch[i].Fields, JsonNode.Parse(items[i].ToString())), items[i].ToString());
        Assert.DoesNotContain("@metadata", items[0].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_template_interpolates_fields_metadata_and_timestamp_date()
    {
        var prefix = "k-" + Guid.NewGuid().ToString("N")[..8];
        await using var sink = await StartAsync(_server, new() { ["key"] = prefix + "-%{service}-%{[@metadata][kafka][topic]}-%{+yyyy.MM.dd}" });

        await sink.WriteAsync([Event(0, "a", service: "api"), Event(1, "b", service: "web"), Event(2, "c", service: null)], Ct);

        var db = await _server.DatabaseAsync();
        Assert.Equal(1, await db.ListLengthAsync(prefix + "-api-logs-2026.03.04"));
        Assert.Equal(1, await db.ListLengthAsync(prefix + "-web-logs-2026.03.04"));
        Assert.Equal(1, await db.ListLengthAsync(prefix + "-%{service}-logs-2026.03.04"));
    }

    [Fact]
    public async Task Default_key_is_the_connector_name()
    {
        var name = "connector-" + Guid.NewGuid();
        await using var sink = await StartAsync(_server, [], name);
        await sink.WriteAsync([Event(0, "x")], Ct);
        Assert.Equal(1, await (await _server.DatabaseAsync()).ListLengthAsync(name));
    }

    [Fact]
    public async Task Stream_mode_adds_the_event_json_under_field_event_and_trims_with_maxlen()
    {
        var key = "stream-" + Guid.NewGuid();
        await using var sink = await StartAsync(_server, new() { ["mode"] = "stream", ["key"] = key, ["stream.maxlen"] = 3 });
        var batch = Enumerable.Range(0, 400).Select(i => Event(i, "event " + i)).ToArray();

        Assert.Empty((await sink.WriteAsync(batch, Ct)).Rejected);

        var db = await _server.DatabaseAsync();
        var entries = await db.StreamRangeAsync(key);
        // MAXLEN ~ trims whole macro nodes (100 entries each by default): far fewer than written, the newest kept.
        Assert.InRange(entries.Length, 3, 300);
        var last = entries[^1];
        Assert.Equal("event", last.Values[0].Name.ToString());
        Assert.True(JsonNode.DeepEquals(batch[^1].Fields, JsonNode.Parse(last.Values[0].Value.ToString())));
    }

    [Fact]
    public async Task Stream_mode_flatten_stores_one_stream_field_per_event_field()
    {
        var key = "flat-" + Guid.NewGuid();
        await using var sink = await StartAsync(_server, new() { ["mode"] = "stream", ["key"] = key, ["stream.fields"] = "flatten" });

        await sink.WriteAsync([Event(0, "hello", service: "api")], Ct);

        var entry = Assert.Single(await (await _server.DatabaseAsync()).StreamRangeAsync(key));
        var fields = entry.Values.ToDictionary(v => v.Name.ToString(), v => v.Value.ToString());
        Assert.Equal("hello", fields["message"]);
        Assert.Equal("api", fields["service"]);
        Assert.Equal("200", fields["status"]);
        Assert.Equal("{\"ms\":12.5}", fields["timing"]);
    }

    [Fact]
    public async Task Channel_mode_publishes_to_subscribers()
    {
        var channel = "channel-" + Guid.NewGuid();
        var subscriber = (await _server.DatabaseAsync()).Multiplexer.GetSubscriber();
        var messages = await subscriber.SubscribeAsync(RedisChannel.Literal(channel));
        await using var sink = await StartAsync(_server, new() { ["mode"] = "channel", ["key"] = channel });
        var batch = new[] { Event(0, "m0"), Event(1, "m1") };

        Assert.Empty((await sink.WriteAsync(batch, Ct)).Rejected);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        for (int i = 0; i < batch.Length; i++)
        {
            var message = await messages.ReadAsync(timeout.Token);
            Assert.Equal(channel, message.Channel.ToString());
            Assert.True(JsonNode.DeepEquals(batch[i].Fields, JsonNode.Parse(message.Message.ToString())));
        }
        await messages.UnsubscribeAsync();
    }

    [Fact]
    public async Task Hash_mode_sets_one_hash_field_per_event_field_under_the_interpolated_key()
    {
        var prefix = "hash-" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using var sink = await StartAsync(_server, new() { ["mode"] = "hash", ["key"] = prefix + "%{id}" });

        await sink.WriteAsync([Event(0, "zero"), Event(1, "one")], Ct);

        var db = await _server.DatabaseAsync();
        var hash = (await db.HashGetAllAsync(prefix + "id-1")).ToDictionary(e => e.Name.ToString(), e => e.Value.ToString());
        Assert.Equal("one", hash["message"]);
        Assert.Equal("id-1", hash["id"]);
        Assert.Equal("200", hash["status"]);
        Assert.Equal("2026-03-04T05:06:07.000Z", hash["@timestamp"]);
        Assert.False(hash.ContainsKey("@metadata"));
        Assert.Equal("zero", (await db.HashGetAsync(prefix + "id-0", "message")).ToString());
    }

    [Fact]
    public async Task String_mode_sets_the_json_with_an_expiry()
    {
        var prefix = "str-" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using var sink = await StartAsync(_server, new() { ["mode"] = "string", ["key"] = prefix + "%{id}", ["ttl"] = 300 });
        var e = Event(7, "stored");

        await sink.WriteAsync([e], Ct);

        var db = await _server.DatabaseAsync();
        Assert.True(JsonNode.DeepEquals(e.Fields, JsonNode.Parse((await db.StringGetAsync(prefix + "id-7")).ToString())));
        Assert.InRange((await db.KeyTimeToLiveAsync(prefix + "id-7"))!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(300));
    }

    [Fact]
    public async Task Db_setting_selects_the_database_the_events_go_to()
    {
        var key = "db-" + Guid.NewGuid();
        await using var sink = await StartAsync(_server, new() { ["key"] = key, ["db"] = 3 });

        await sink.WriteAsync([Event(0, "in three")], Ct);

        Assert.Equal(1, await (await _server.DatabaseAsync(3)).ListLengthAsync(key));
        Assert.Equal(0, await (await _server.DatabaseAsync(0)).ListLengthAsync(key));
    }

    [Fact]
    public async Task Configuration_string_sets_endpoint_and_options_and_explicit_keys_apply_over_it()
    {
        var key = "conf-" + Guid.NewGuid();
        await using var sink = await StartAsync(_server, new()
        {
            ["configuration"] = $"127.0.0.1:{_server.Port},defaultDatabase=5,connectTimeout=3000,name=ingesthub-test",
            ["key"] = key,
        });
        await sink.WriteAsync([Event(0, "via configuration")], Ct);
        Assert.Equal(1, await (await _server.DatabaseAsync(5)).ListLengthAsync(key));

        await using var overridden = await StartAsync(_server, new() { ["configuration"] = $"127.0.0.1:{_server.Port},defaultDatabase=5", ["db"] = 6, ["key"] = key });
        await overridden.WriteAsync([Event(1, "db key wins")], Ct);
        Assert.Equal(1, await (await _server.DatabaseAsync(6)).ListLengthAsync(key));
    }

    [Fact]
    public async Task Congested_list_blocks_the_batch_until_it_is_drained()
    {
        var key = "congested-" + Guid.NewGuid();
        var db = await _server.DatabaseAsync();
        await db.ListRightPushAsync(key, ["a", "b", "c"]);
        await using var sink = await StartAsync(_server, new() { ["key"] = key, ["congestion_threshold"] = 3, ["congestion_interval.ms"] = 50 });
        long llenCalls = await CommandCallsAsync(db, "llen");

        var write = sink.WriteAsync([Event(0, "new")], Ct).AsTask();

        // The sink keeps polling the length instead of pushing.
        await Poll.UntilAsync(async () => await CommandCallsAsync(db, "llen") >= llenCalls + 3, TimeSpan.FromSeconds(30), () => "sink polls LLEN while congested");
        Assert.False(write.IsCompleted);
        Assert.Equal(3, await db.ListLengthAsync(key));

        await db.ListLeftPopAsync(key);
        await write.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var items = await db.ListRangeAsync(key);
        Assert.Equal(3, items.Length);
        Assert.Contains("\"new\"", items[2].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_type_rejects_only_the_events_aimed_at_that_key_and_the_other_list_keeps_batch_order()
    {
        var prefix = "wt-" + Guid.NewGuid().ToString("N")[..8] + "-";
        var db = await _server.DatabaseAsync();
        await db.StringSetAsync(prefix + "web", "a string, not a list");
        await using var sink = await StartAsync(_server, new() { ["key"] = prefix + "%{service}" });

        var result = await sink.WriteAsync([Event(0, "a", service: "api"), Event(1, "b", service: "web"), Event(2, "c", service: "api"), Event(3, "d", service: "web")], Ct);

        Assert.Equal([1, 3], result.Rejected.Select(r => r.Index));
        Assert.All(result.Rejected, r => Assert.Equal("WRONGTYPE", r.ErrorType));
        Assert.Contains("RPUSH " + prefix + "web: WRONGTYPE", result.Rejected[0].Reason, StringComparison.Ordinal);
        var api = (await db.ListRangeAsync(prefix + "api")).Select(v => JsonNode.Parse(v.ToString())!["message"]!.GetValue<string>());
        Assert.Equal(["a", "c"], api);
    }

    [Theory]
    [InlineData("""{"mode":"hash"}""", "key")]
    [InlineData("""{"mode":"string"}""", "key")]
    [InlineData("""{"mode":"sorted"}""", "mode")]
    [InlineData("""{"port":70000}""", "port")]
    [InlineData("""{"key":"a-%{oops"}""", "key")]
    [InlineData("""{"username":"u"}""", "username")]
    [InlineData("""{"stream.fields":"nested"}""", "stream.fields")]
    [InlineData("""{"tls":true,"tls.ca.file":"/no/such/ca.pem"}""", "tls.ca.file")]
    [InlineData("""{"tls":true,"tls.key.file":"/etc/hostname"}""", "tls.key.file")]
    [InlineData("""{"tls.cert.file":"/etc/hostname"}""", "tls.cert.file")]
    [InlineData("""{"configuration":"127.0.0.1:6379","host":"redis.internal"}""", "host")]
    [InlineData("""{"configuration":"password=only"}""", "configuration")]
    [InlineData("""{"pasword":"typo"}""", "pasword")]
    public void Invalid_settings_throw_ConfigException_naming_the_key(string settings, string key)
    {
        var error = Assert.Throws<ConfigException>(() => new RedisSinkFactory().Create("c", JsonNode.Parse(settings)!.AsObject(), NullLoggerFactory.Instance));
        Assert.Equal(key, error.Key);
    }

    [Fact]
    public async Task Throughput_of_batches_of_500_into_a_list()
    {
        var key = "throughput-" + Guid.NewGuid();
        await using var sink = await StartAsync(_server, new() { ["key"] = key });
        var batch = new LogEvent[500];
        for (int i = 0; i < batch.Length; i++)
            batch[i] = Event(i, "GET /api/orders/" + i + " 200 12ms user-agent=curl/8.5 host=web-1");
        await sink.WriteAsync(batch, Ct); // warm-up

        const int Batches = 40;
        var clock = Stopwatch.StartNew();
        for (int b = 0; b < Batches; b++)
            await sink.WriteAsync(batch, Ct);
        clock.Stop();

        Assert.Equal((Batches + 1) * 500, await (await _server.DatabaseAsync()).ListLengthAsync(key));
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"redis list sink ({_server.Runtime}): {Batches * 500 / clock.Elapsed.TotalSeconds:0} events/s ({Batches} batches of 500, {clock.Elapsed.TotalMilliseconds / Batches:0.0} ms per batch)");
    }

    internal static async Task<long> CommandCallsAsync(IDatabase db, string command)
    {
        var info = (await db.ExecuteAsync("INFO", "commandstats")).ToString();
        foreach (var line in info.Split('\n'))
        {
            if (line.StartsWith($"cmdstat_{command}:calls=", StringComparison.Ordinal))
                return long.Parse(line.Split(',')[0].Split('=')[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        return 0;
    }
}
