using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IngestHub.Client;
using IngestHub.Pipelines.Configuration;
using IngestHub.Testing.Redis;
using Xunit;

namespace IngestHub.Server.Tests;

/// <summary>The connector-plugins API in Kafka Connect's shapes, the connection test and the YAML export, against
/// the running appliance (and a real redis-server for the connection test).</summary>
public sealed class ConnectorPluginsApiTests(ApplianceFixture app)
{
    private static JsonObject RedisConfig(string name, string topic, JsonNode port) => new()
    {
        ["name"] = name,
        ["input"] = new JsonObject { ["topics"] = new JsonArray(topic), ["workers"] = 2 },
        ["codec"] = "json",
        ["output"] = new JsonObject { ["type"] = "redis", ["host"] = "127.0.0.1", ["port"] = port, ["key"] = name, ["password"] = "s3cret-pw" },
        ["errors"] = new JsonObject { ["tolerance"] = "all" },
    };

    private async Task<JsonObject> ValidateAsync(string type, JsonObject config)
    {
        using var response = await app.Http.PutAsJsonAsync($"connector-plugins/{type}/config/validate", config);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private static JsonObject Setting(JsonObject validation, string name) =>
        validation["configs"]!.AsArray().Single(c => (string)c!["value"]!["name"]! == name)!.AsObject();

    private static string[] Errors(JsonObject validation, string name) =>
        [.. Setting(validation, name)["value"]!["errors"]!.AsArray().Select(e => (string)e!)];

    [Fact]
    public async Task Plugins_list_the_sink_types_with_version_and_the_schema_their_parsers_use()
    {
        var plugins = (await app.GetJsonAsync("connector-plugins")).AsArray();
        Assert.Equal(["elasticsearch", "redis"], plugins.Select(p => (string)p!["class"]!).Order(StringComparer.Ordinal));
        var redis = plugins.Single(p => (string)p!["class"]! == "redis")!;
        Assert.Equal("sink", (string)redis["type"]!);
        Assert.False(string.IsNullOrEmpty((string?)redis["version"]));
        var config = redis["config"]!.AsArray();
        var port = config.Single(d => (string)d!["name"]! == "output.port")!;
        Assert.Equal("INT", (string)port["type"]!);
        Assert.Equal("6379", (string)port["default_value"]!);
        Assert.False((bool)port["required"]!);
        Assert.Equal(65535, (long)port["max"]!);
        Assert.False(string.IsNullOrEmpty((string?)port["documentation"]));
        var mode = config.Single(d => (string)d!["name"]! == "output.mode")!;
        Assert.Equal(["list", "stream", "channel", "hash", "string"], mode["allowed_values"]!.AsArray().Select(a => (string)a!));
        Assert.Equal("PASSWORD", (string)config.Single(d => (string)d!["name"]! == "output.password")!["type"]!);
        Assert.True((bool)config.Single(d => (string)d!["name"]! == "name")!["required"]!);
        Assert.Contains(config, d => (string)d!["name"]! == "input.topics" && (string)d["group"]! == "input");
        Assert.Contains(config, d => (string)d!["name"]! == "errors.deadletterqueue.topic.name");
        Assert.Contains("grok", redis["filters"]!.AsArray().Select(f => (string)f!));

        var es = (await app.GetJsonAsync("connector-plugins/elasticsearch/config")).AsArray();
        Assert.Contains(es, d => (string)d!["name"]! == "output.index" && (string)d["default_value"]! == "logs-%{+yyyy.MM.dd}");
        Assert.Equal(["index", "create"], es.Single(d => (string)d!["name"]! == "output.action")!["allowed_values"]!.AsArray().Select(a => (string)a!));
    }

    [Fact]
    public async Task Published_defaults_are_the_values_the_parsers_apply()
    {
        // Drift check: a configuration that spells out every published default means the same as one that omits them.
        var schema = (await app.GetJsonAsync("connector-plugins/redis/config")).AsArray();
        var config = RedisConfig("defaults-" + Guid.NewGuid().ToString("N")[..6], app.Topic, 6379);
        var output = config["output"]!.AsObject();
        output.Remove("password");
        foreach (var d in schema.Where(d => ((string)d!["name"]!).StartsWith("output.", StringComparison.Ordinal) && d!["default_value"] is not null))
        {
            string key = ((string)d!["name"]!)["output.".Length..];
            if (key is "host" or "port" or "type")
                continue;
            output[key] = (string)d["type"]! switch
            {
                "INT" or "LONG" => long.Parse((string)d["default_value"]!, System.Globalization.CultureInfo.InvariantCulture),
                "BOOLEAN" => bool.Parse((string)d["default_value"]!),
                _ => (string)d["default_value"]!,
            };
        }
        output.Remove("congestion_interval.ms"); // the finer spelling of congestion_interval, which wins when given
        var validation = await ValidateAsync("redis", config);
        Assert.True((int)validation["error_count"]! == 0, validation.ToJsonString());
    }

    [Fact]
    public async Task Validate_answers_connects_shape_with_an_error_beside_each_wrong_setting()
    {
        string name = "val-" + Guid.NewGuid().ToString("N")[..6];
        var config = RedisConfig(name, app.Topic, "not-a-port");
        config["output"]!["mode"] = "queue";
        config["input"]!["workers"] = 0;
        config["input"]!["typo"] = 1;

        var validation = await ValidateAsync("redis", config);
        Assert.Equal("redis", (string)validation["name"]!);
        Assert.Equal(4, (int)validation["error_count"]!);
        Assert.Contains("output", validation["groups"]!.AsArray().Select(g => (string)g!));
        foreach (var entry in validation["configs"]!.AsArray())
        {
            Assert.NotNull(entry!["definition"]!["name"]);
            Assert.NotNull(entry["definition"]!["type"]);
            Assert.True(entry["value"]!["errors"] is JsonArray);
            Assert.True(entry["value"]!["recommended_values"] is JsonArray);
            Assert.True((bool)entry["value"]!["visible"]!);
        }
        Assert.Equal("not-a-port", (string?)Setting(validation, "output.port")["value"]!["value"]);
        Assert.Contains("must be an integer", Assert.Single(Errors(validation, "output.port")));
        Assert.Contains("must be one of list, stream, channel, hash, string", Assert.Single(Errors(validation, "output.mode")));
        Assert.Contains("between 1 and 256", Assert.Single(Errors(validation, "input.workers")));
        Assert.Equal("unknown key", Assert.Single(Errors(validation, "input.typo")));
        Assert.Empty(Errors(validation, "output.host"));
        // The secret is masked in the answer.
        Assert.Equal(ConfigSecrets.Hidden, (string?)Setting(validation, "output.password")["value"]!["value"]);
        Assert.DoesNotContain("s3cret-pw", validation.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_and_create_agree_on_cross_field_rules_and_filter_errors()
    {
        string name = "agree-" + Guid.NewGuid().ToString("N")[..6];
        var config = RedisConfig(name, app.Topic, 6379);
        config["output"]!["mode"] = "hash";
        config["output"]!.AsObject().Remove("key");
        config["filters"] = new JsonArray(new JsonObject { ["grok"] = new JsonObject { ["match"] = new JsonObject { ["message"] = "%{NOSUCHPATTERN:x}" } } });

        var validation = await ValidateAsync("redis", config);
        Assert.Equal(1, (int)validation["error_count"]!);
        string filterError = Assert.Single(Errors(validation, "filters"));
        Assert.StartsWith("filters[0].grok", filterError, StringComparison.Ordinal);

        using (var created = await app.Http.PostAsJsonAsync("connectors", new JsonObject { ["name"] = name, ["config"] = config.DeepClone() }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, created.StatusCode);
            Assert.Contains("filters[0].grok", (string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["message"]!);
        }

        config.Remove("filters");
        validation = await ValidateAsync("redis", config);
        Assert.Equal(1, (int)validation["error_count"]!);
        Assert.Contains("required in hash mode", Assert.Single(Errors(validation, "output.key")));
        using (var created = await app.Http.PostAsJsonAsync("connectors", new JsonObject { ["name"] = name, ["config"] = config.DeepClone() }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, created.StatusCode);
            Assert.Contains("output.key: is required in hash mode", (string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["message"]!);
        }
        Assert.DoesNotContain(name, (await app.GetJsonAsync("connectors")).AsArray().Select(n => (string)n!));

        config["output"]!["key"] = "h:%{n}";
        Assert.Equal(0, (int)(await ValidateAsync("redis", config))["error_count"]!);
    }

    [Fact]
    public async Task Validate_rejects_a_config_of_another_type_and_an_unknown_type()
    {
        var config = RedisConfig("other-" + Guid.NewGuid().ToString("N")[..6], app.Topic, 6379);
        var validation = await ValidateAsync("elasticsearch", config);
        Assert.Contains(Errors(validation, "output.type"), e => e.Contains("this is the elasticsearch connector type", StringComparison.Ordinal));
        using var unknown = await app.Http.PutAsJsonAsync("connector-plugins/kafka/config/validate", config);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var content = new StringContent("[1,2");
        using var notJson = await app.Http.PutAsync("connector-plugins/redis/config/validate", content);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
    }

    [Fact]
    public async Task Test_checks_topics_and_a_real_redis_with_auth_without_consuming()
    {
        await using var redis = await RedisServer.StartAsync(new() { Runtime = RedisRuntime.Process, Password = "s3cret-pw" });
        string name = "test-" + Guid.NewGuid().ToString("N")[..6];
        string group = "test-group-" + name;
        var config = RedisConfig(name, app.Topic, redis.Port);
        config["input"]!["group.id"] = group;

        var passed = await TestAsync(name, config);
        Assert.True((bool)passed["ok"]!, passed.ToJsonString());
        var checks = passed["checks"]!.AsArray();
        Assert.Contains(checks, c => (string)c!["check"]! == "topics" && ((string)c["message"]!).Contains($"{app.Topic} (3 partitions)", StringComparison.Ordinal));
        Assert.Contains(checks, c => ((string)c!["check"]!).StartsWith("ping ", StringComparison.Ordinal) && ((string)c["message"]!).StartsWith("PONG", StringComparison.Ordinal));
        Assert.Contains(checks, c => (string)c!["check"]! == "connect" && ((string)c["message"]!).Contains("AUTH accepted", StringComparison.Ordinal));

        config["output"]!["password"] = "wrong-pw";
        var refused = await TestAsync(name, config);
        Assert.False((bool)refused["ok"]!);
        Assert.Contains(refused["checks"]!.AsArray(), c => (string)c!["check"]! == "connect" && !(bool)c["ok"]!);
        Assert.DoesNotContain("wrong-pw", refused.ToJsonString(), StringComparison.Ordinal);

        config["output"]!["password"] = "s3cret-pw";
        config["input"]!["topics"] = new JsonArray("no-such-topic-" + name);
        var missing = await TestAsync(name, config);
        Assert.False((bool)missing["ok"]!);
        Assert.Contains(missing["checks"]!.AsArray(), c => (string)c!["check"]! == "topics" && ((string)c["message"]!).Contains("do not exist", StringComparison.Ordinal));

        config["output"]!["port"] = 0;
        var invalid = await TestAsync(name, config);
        Assert.Equal("config", (string)Assert.Single(invalid["checks"]!.AsArray())!["check"]!);
        Assert.Equal(1, (int)invalid["validation"]!["error_count"]!);

        // Nothing was created, consumed or written.
        Assert.DoesNotContain(name, (await app.GetJsonAsync("connectors")).AsArray().Select(n => (string)n!));
        await using var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = app.Bootstrap });
        Assert.DoesNotContain(group, (await admin.ListGroupsAsync()).Select(g => g.GroupId));
        var db = await redis.DatabaseAsync();
        Assert.Equal(0, (long)(await db.ExecuteAsync("DBSIZE")));
    }

    private async Task<JsonObject> TestAsync(string name, JsonObject config)
    {
        using var response = await app.Http.PostAsJsonAsync($"connectors/{name}/test", config);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    [Fact]
    public async Task Export_gives_a_pipelines_file_that_reads_back_to_the_same_configuration()
    {
        await using var redis = await RedisServer.StartAsync(new() { Runtime = RedisRuntime.Process, Password = "fallback-pw" });
        string name = "export-" + Guid.NewGuid().ToString("N")[..6];
        var config = RedisConfig(name, app.Topic, redis.Port);
        config["output"]!["password"] = "${EXPORT_TEST_PASSWORD:-fallback-pw}";
        config["output"]!["key"] = "true"; // a string that reads as a boolean unless quoted
        config["description"] = "";
        config["filters"] = new JsonArray(new JsonObject { ["mutate"] = new JsonObject { ["add_field"] = new JsonObject { ["port"] = "8080" } } });
        config.Remove("name");
        using (var created = await app.Http.PostAsJsonAsync("connectors", new JsonObject { ["name"] = name, ["config"] = config.DeepClone() }))
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        try
        {
            using var response = await app.Http.GetAsync($"connectors/{name}/config?format=yaml");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/yaml", response.Content.Headers.ContentType!.MediaType);
            string yaml = await response.Content.ReadAsStringAsync();
            Assert.StartsWith($"# Connector {name}", yaml, StringComparison.Ordinal);
            var read = YamlJson.ParseObject(yaml);
            Assert.Equal(name, (string)read["name"]!);
            read.Remove("name");
            var stored = (await app.GetJsonAsync($"connectors/{name}/config")).AsObject();
            stored.Remove("name");
            Assert.True(JsonNode.DeepEquals(stored, read), $"{stored.ToJsonString()}\n{read.ToJsonString()}");
            // The reference stays; its literal fallback is a secret and is masked like one.
            Assert.StartsWith("${EXPORT_TEST_PASSWORD:-", (string)read["output"]!["password"]!, StringComparison.Ordinal);
            Assert.DoesNotContain("fallback-pw", yaml, StringComparison.Ordinal);

            using var bad = await app.Http.GetAsync($"connectors/{name}/config?format=xml");
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }
        finally
        {
            await app.Http.DeleteAsync($"connectors/{name}");
        }
    }

    [Fact]
    public async Task Preview_shows_grok_fields_after_each_filter_and_tags_a_line_that_does_not_match()
    {
        var body = new JsonObject
        {
            ["codec"] = "plain",
            ["filters"] = new JsonArray(
                new JsonObject { ["grok"] = new JsonObject { ["match"] = new JsonObject { ["message"] = "%{COMMONAPACHELOG}" } } },
                new JsonObject { ["mutate"] = new JsonObject { ["convert"] = new JsonObject { ["response"] = "integer" } } }),
            ["lines"] = new JsonArray(
                "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326",
                "this is not an access log line"),
        };
        using var response = await app.Http.PostAsJsonAsync("api/pipelines/preview", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var preview = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        var records = preview["records"]!.AsArray();
        Assert.Equal(2, records.Count);
        var stages = records[0]!["events"]![0]!["stages"]!.AsArray();
        Assert.Equal(["filters[0].grok", "filters[1].mutate"], stages.Select(s => (string)s!["filter"]!));
        Assert.Equal("success", (string)stages[0]!["outcome"]!);
        Assert.Equal("127.0.0.1", (string)stages[0]!["event"]!["clientip"]!);
        Assert.Equal("200", (string)stages[0]!["event"]!["response"]!); // a string after grok
        Assert.Equal(200, (int)stages[1]!["event"]!["response"]!); // converted by mutate
        Assert.Equal("/apache_pb.gif", (string)records[0]!["events"]![0]!["event"]!["request"]!);

        var failed = records[1]!["events"]![0]!;
        Assert.Equal("failure", (string)failed["stages"]![0]!["outcome"]!);
        Assert.Contains("_grokparsefailure", failed["event"]!["tags"]!.AsArray().Select(t => (string)t!));
        Assert.Null(failed["event"]!["clientip"]);

        body["filters"] = new JsonArray(new JsonObject { ["grok"] = new JsonObject { ["match"] = new JsonObject { ["message"] = "%{NOPE:x}" } } });
        using var bad = await app.Http.PostAsJsonAsync("api/pipelines/preview", body);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("filters[0].grok", (string)(await bad.Content.ReadFromJsonAsync<JsonObject>())!["message"]!);
    }

    [Fact]
    public async Task Preview_reads_the_last_records_of_a_topic_without_a_group()
    {
        var preview = await Eventually.MatchAsync(async () =>
        {
            using var response = await app.Http.PostAsJsonAsync("api/pipelines/preview", new JsonObject { ["codec"] = "json", ["topic"] = app.Topic, ["count"] = 4 });
            return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        }, p => p["records"]?.AsArray().Count == 4, TimeSpan.FromSeconds(20), "four records read back");
        foreach (var record in preview["records"]!.AsArray())
            Assert.NotNull(record!["events"]![0]!["event"]!["n"]);
        using var missing = await app.Http.PostAsJsonAsync("api/pipelines/preview", new JsonObject { ["topic"] = "no-such-topic-preview" });
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
