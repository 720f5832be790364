using System.Diagnostics;
using System.Text.Json.Nodes;
using IngestHub.Connectors.Redis.Resp;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Events;
using IngestHub.Pipelines.Sinks;
using Microsoft.Extensions.Logging.Abstractions;

namespace IngestHub.Connectors.Redis.Tests;

public class RedisSinkTests(RedisServerFixture fixture) : IClassFixture<RedisServerFixture>
{
    private readonly RedisServer _server = fixture.Server;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task List_mode_pushes_each_event_json_without_metadata()
    {
        var key = "list-" + Guid.NewGuid();
        await using var sink = await StartSinkAsync(_server, new() { ["mode"] = "list", ["key"] = key });
        var batch = new[] { Event(0, "first"), Event(1, "second"), Event(2, "third") };

        var result = await sink.WriteAsync(batch, Ct);

        Assert.Empty(result.Rejected);
        await using var client = _server.CreateClient();
        var items = (await client.ExecuteAsync("LRANGE", key, 0, -1)).Elements!;
        Assert.Equal(3, items.Length);
        for (int i = 0; i < 3; i++)
            Assert.True(JsonNode.DeepEquals(batch[i].Fields, JsonNode.Parse(items[i].Text!)), items[i].Text);
        Assert.DoesNotContain("@metadata", items[0].Text!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_template_interpolates_fields_metadata_and_timestamp_date()
    {
        var prefix = "k-" + Guid.NewGuid().ToString("N")[..8];
        await using var sink = await StartSinkAsync(_server, new() { ["key"] = prefix + "-%{service}-%{[@metadata][kafka][topic]}-%{+yyyy.MM.dd}" });
        var api = Event(0, "a", service: "api");
        var web = Event(1, "b", service: "web");
        var none = Event(2, "c", service: null);

        await sink.WriteAsync([api, web, none], Ct);

        await using var client = _server.CreateClient();
        Assert.Equal(1, (await client.ExecuteAsync("LLEN", prefix + "-api-logs-2026.03.04")).Integer);
        Assert.Equal(1, (await client.ExecuteAsync("LLEN", prefix + "-web-logs-2026.03.04")).Integer);
        Assert.Equal(1, (await client.ExecuteAsync("LLEN", prefix + "-%{service}-logs-2026.03.04")).Integer);
    }

    [Fact]
    public async Task Default_key_is_the_connector_name()
    {
        var name = "connector-" + Guid.NewGuid();
        await using var sink = (RedisSink)new RedisSinkFactory().Create(name, AsParsed(new JsonObject { ["port"] = _server.Port }), NullLoggerFactory.Instance);
        await sink.StartAsync(Ct);
        await sink.WriteAsync([Event(0, "x")], Ct);
        await using var client = _server.CreateClient();
        Assert.Equal(1, (await client.ExecuteAsync("LLEN", name)).Integer);
    }

    [Fact]
    public async Task Stream_mode_adds_the_event_json_under_field_event_and_trims_with_maxlen()
    {
        var key = "stream-" + Guid.NewGuid();
        await using var sink = await StartSinkAsync(_server, new() { ["mode"] = "stream", ["key"] = key, ["stream.maxlen"] = 1000 });
        var batch = new[] { Event(0, "one"), Event(1, "two") };

        Assert.Empty((await sink.WriteAsync(batch, Ct)).Rejected);

        await using var client = _server.CreateClient();
        var entries = (await client.ExecuteAsync("XRANGE", key, "-", "+")).Elements!;
        Assert.Equal(2, entries.Length);
        for (int i = 0; i < 2; i++)
        {
            var fields = entries[i].Elements![1].Elements!;
            Assert.Equal("event", fields[0].Text);
            Assert.True(JsonNode.DeepEquals(batch[i].Fields, JsonNode.Parse(fields[1].Text!)));
        }
    }

    [Fact]
    public async Task Stream_mode_flatten_stores_one_stream_field_per_event_field()
    {
        var key = "flat-" + Guid.NewGuid();
        await using var sink = await StartSinkAsync(_server, new() { ["mode"] = "stream", ["key"] = key, ["stream.fields"] = "flatten" });

        await sink.WriteAsync([Event(0, "hello", service: "api")], Ct);

        await using var client = _server.CreateClient();
        var entry = (await client.ExecuteAsync("XRANGE", key, "-", "+")).Elements!.Single();
        var fields = Pairs(entry.Elements![1]);
        Assert.Equal("hello", fields["message"]);
        Assert.Equal("api", fields["service"]);
        Assert.Equal("200", fields["status"]);
        Assert.Equal("{\"ms\":12.5}", fields["timing"]);
    }

    [Fact]
    public async Task Channel_mode_publishes_to_subscribers()
    {
        var channel = "channel-" + Guid.NewGuid();
        await using var subscriber = await RedisConnection.OpenAsync(_server.Options(), Ct);
        var subscribed = await subscriber.ExecuteAsync([new RedisCommand("SUBSCRIBE", channel)], Ct);
        Assert.Equal("subscribe", subscribed[0].Elements![0].Text);
        await using var sink = await StartSinkAsync(_server, new() { ["mode"] = "channel", ["key"] = channel });
        var batch = new[] { Event(0, "m0"), Event(1, "m1") };

        Assert.Empty((await sink.WriteAsync(batch, Ct)).Rejected);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        for (int i = 0; i < batch.Length; i++)
        {
            var message = (await subscriber.ReceiveAsync(timeout.Token)).Elements!;
            Assert.Equal("message", message[0].Text);
            Assert.Equal(channel, message[1].Text);
            Assert.True(JsonNode.DeepEquals(batch[i].Fields, JsonNode.Parse(message[2].Text!)));
        }
    }

    [Fact]
    public async Task Hash_mode_sets_one_hash_field_per_event_field_under_the_interpolated_key()
    {
        var prefix = "hash-" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using var sink = await StartSinkAsync(_server, new() { ["mode"] = "hash", ["key"] = prefix + "%{id}" });

        await sink.WriteAsync([Event(0, "zero"), Event(1, "one")], Ct);

        await using var client = _server.CreateClient();
        var hash = Pairs(await client.ExecuteAsync("HGETALL", prefix + "id-1"));
        Assert.Equal("one", hash["message"]);
        Assert.Equal("id-1", hash["id"]);
        Assert.Equal("200", hash["status"]);
        Assert.Equal("2026-03-04T05:06:07.000Z", hash["@timestamp"]);
        Assert.False(hash.ContainsKey("@metadata"));
        Assert.Equal("zero", Pairs(await client.ExecuteAsync("HGETALL", prefix + "id-0"))["message"]);
    }

    [Fact]
    public async Task String_mode_sets_the_json_with_an_expiry()
    {
        var prefix = "str-" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using var sink = await StartSinkAsync(_server, new() { ["mode"] = "string", ["key"] = prefix + "%{id}", ["ttl"] = 300 });
        var e = Event(7, "stored");

        await sink.WriteAsync([e], Ct);

        await using var client = _server.CreateClient();
        Assert.True(JsonNode.DeepEquals(e.Fields, JsonNode.Parse((await client.ExecuteAsync("GET", prefix + "id-7")).Text!)));
        Assert.InRange((await client.ExecuteAsync("TTL", prefix + "id-7")).Integer, 1, 300);
    }

    [Fact]
    public async Task Congested_list_blocks_the_batch_until_it_is_drained()
    {
        var key = "congested-" + Guid.NewGuid();
        await using var client = _server.CreateClient();
        await client.ExecuteAsync("RPUSH", key, "a", "b", "c");
        await using var sink = await StartSinkAsync(_server, new() { ["key"] = key, ["congestion_threshold"] = 3, ["congestion_interval.ms"] = 50 });
        long llenCalls = await CommandCalls(client, "llen");

        var write = sink.WriteAsync([Event(0, "new")], Ct).AsTask();

        // The sink keeps polling the length instead of pushing.
        await Eventually.True(async () => await CommandCalls(client, "llen") >= llenCalls + 3, TimeSpan.FromSeconds(10), "sink polls LLEN while congested");
        Assert.False(write.IsCompleted);
        Assert.Equal(3, (await client.ExecuteAsync("LLEN", key)).Integer);

        await client.ExecuteAsync("LPOP", key);
        await write.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        var items = (await client.ExecuteAsync("LRANGE", key, 0, -1)).Elements!;
        Assert.Equal(3, items.Length);
        Assert.Contains("\"new\"", items[2].Text!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_type_rejects_only_the_event_aimed_at_that_key()
    {
        var prefix = "wt-" + Guid.NewGuid().ToString("N")[..8] + "-";
        await using var client = _server.CreateClient();
        await client.ExecuteAsync("SET", prefix + "web", "a string, not a list");
        await using var sink = await StartSinkAsync(_server, new() { ["key"] = prefix + "%{service}" });

        var result = await sink.WriteAsync([Event(0, "a", service: "api"), Event(1, "b", service: "web"), Event(2, "c", service: "api")], Ct);

        var rejection = Assert.Single(result.Rejected);
        Assert.Equal(1, rejection.Index);
        Assert.Equal("WRONGTYPE", rejection.ErrorType);
        Assert.Contains(prefix + "web", rejection.Reason, StringComparison.Ordinal);
        Assert.Equal(2, (await client.ExecuteAsync("LLEN", prefix + "api")).Integer);
    }

    [Fact]
    public async Task Server_down_makes_the_sink_unavailable_until_it_is_back()
    {
        await using var server = await RedisServer.StartAsync();
        var key = "down-" + Guid.NewGuid();
        await using var sink = await StartSinkAsync(server, new() { ["key"] = key, ["timeout.ms"] = 400 });
        await sink.WriteAsync([Event(0, "before")], Ct);

        await server.KillAsync();
        var down = await Assert.ThrowsAsync<SinkUnavailableException>(() => sink.WriteAsync([Event(1, "during")], Ct).AsTask());
        Assert.Contains(server.Port.ToString(), down.Message, StringComparison.Ordinal);

        await server.RestartAsync();
        Assert.Empty((await sink.WriteAsync([Event(1, "during")], Ct)).Rejected);
        await using var client = server.CreateClient();
        Assert.Equal(1, (await client.ExecuteAsync("LLEN", key)).Integer);
    }

    [Fact]
    public async Task Out_of_memory_is_transient_not_a_rejection()
    {
        await using var server = await RedisServer.StartAsync();
        await using var client = server.CreateClient();
        await client.ExecuteAsync("CONFIG", "SET", "maxmemory", "1");
        await using var sink = await StartSinkAsync(server, new() { ["key"] = "oom" });

        var error = await Assert.ThrowsAsync<SinkUnavailableException>(() => sink.WriteAsync([Event(0, "x")], Ct).AsTask());
        Assert.Contains("OOM", error.Message, StringComparison.Ordinal);

        await client.ExecuteAsync("CONFIG", "SET", "maxmemory", "0");
        Assert.Empty((await sink.WriteAsync([Event(0, "x")], Ct)).Rejected);
    }

    [Fact]
    public async Task Start_fails_with_SinkUnavailable_when_no_server_listens()
    {
        await using var server = await RedisServer.StartAsync();
        await server.KillAsync();
        await using var sink = new RedisSinkFactory().Create("c", AsParsed(new JsonObject { ["port"] = server.Port, ["timeout.ms"] = 200 }), NullLoggerFactory.Instance);
        await Assert.ThrowsAsync<SinkUnavailableException>(() => sink.StartAsync(Ct).AsTask());
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
    public void Invalid_settings_throw_ConfigException_naming_the_key(string settings, string key)
    {
        var error = Assert.Throws<ConfigException>(() => new RedisSinkFactory().Create("c", JsonNode.Parse(settings)!.AsObject(), NullLoggerFactory.Instance));
        Assert.Equal(key, error.Key);
    }

    [Fact]
    public async Task Throughput_of_batches_of_500_into_a_list()
    {
        var key = "throughput-" + Guid.NewGuid();
        await using var sink = await StartSinkAsync(_server, new() { ["key"] = key });
        var batch = new LogEvent[500];
        for (int i = 0; i < batch.Length; i++)
            batch[i] = Event(i, "GET /api/orders/" + i + " 200 12ms user-agent=curl/8.5 host=web-1");
        await sink.WriteAsync(batch, Ct); // warm-up

        const int Batches = 40;
        var clock = Stopwatch.StartNew();
        for (int b = 0; b < Batches; b++)
            await sink.WriteAsync(batch, Ct);
        clock.Stop();

        await using var client = _server.CreateClient();
        Assert.Equal((Batches + 1) * 500, (await client.ExecuteAsync("LLEN", key)).Integer);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"redis list sink: {Batches * 500 / clock.Elapsed.TotalSeconds:0} events/s ({Batches} batches of 500, {clock.Elapsed.TotalMilliseconds / Batches:0.0} ms per batch)");
    }

    private static async Task<RedisSink> StartSinkAsync(RedisServer server, JsonObject settings)
    {
        settings["port"] = server.Port;
        var sink = (RedisSink)new RedisSinkFactory().Create("test-connector", AsParsed(settings), NullLoggerFactory.Instance);
        await sink.StartAsync(Ct);
        return sink;
    }

    // Settings reach a sink parsed from YAML/JSON text; round-trip so values have that shape.
    private static JsonObject AsParsed(JsonObject settings) => JsonNode.Parse(settings.ToJsonString())!.AsObject();

    private static LogEvent Event(int offset, string message, string? service = "api")
    {
        var fields = new JsonObject
        {
            ["@timestamp"] = "2026-03-04T05:06:07.000Z",
            ["id"] = "id-" + offset,
            ["message"] = message,
            ["status"] = 200,
            ["timing"] = new JsonObject { ["ms"] = 12.5 },
        };
        if (service is not null)
            fields["service"] = service;
        var metadata = new JsonObject { ["kafka"] = new JsonObject { ["topic"] = "logs", ["partition"] = 0, ["offset"] = offset } };
        return new LogEvent(fields, metadata) { Source = new SourcePosition("logs", 0, offset) };
    }

    private static Dictionary<string, string> Pairs(RedisReply array)
    {
        var elements = array.Elements!;
        var pairs = new Dictionary<string, string>();
        for (int i = 0; i + 1 < elements.Length; i += 2)
            pairs[elements[i].Text!] = elements[i + 1].Text!;
        return pairs;
    }

    private static async Task<long> CommandCalls(RedisClient client, string command)
    {
        var info = (await client.ExecuteAsync("INFO", "commandstats")).Text!;
        foreach (var line in info.Split("\r\n"))
        {
            if (line.StartsWith($"cmdstat_{command}:calls=", StringComparison.Ordinal))
                return long.Parse(line.Split(',')[0].Split('=')[1]);
        }
        return 0;
    }
}
