using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IngestHub.Client;
using IngestHub.Testing;
using IngestHub.Testing.Redis;
using Xunit;

namespace IngestHub.Server.Tests;

/// <summary>
/// <c>${VAR}</c> references and literal secrets in connectors, through the appliance's REST API and pipeline files,
/// against a redis-server that requires a password: delivery proves the sink got the real password, while the
/// API answers and the connector's state file show only the reference or the masked value.
/// </summary>
public sealed class ConnectorSecretsTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static JsonObject RedisConfig(string topic, int port, string password) => new()
    {
        ["input"] = new JsonObject { ["topics"] = new JsonArray(topic), ["workers"] = 1 },
        ["codec"] = "plain",
        ["output"] = new JsonObject { ["type"] = "redis", ["host"] = "127.0.0.1", ["port"] = port, ["password"] = password, ["key"] = topic, ["timeout.ms"] = 2000 },
    };

    private static async Task ProduceAsync(ApplianceHost appliance, string topic, int count)
    {
        await using var producer = new KafkaProducer(new ProducerOptions { BootstrapServers = appliance.Bootstrap });
        var sends = new List<Task<DeliveryResult>>();
        for (int i = 0; i < count; i++)
            sends.Add(producer.ProduceAsync(topic, null, "line " + i, Ct));
        await Task.WhenAll(sends);
    }

    private static async Task AwaitDeliveredAsync(ApplianceHost appliance, string name, long count) =>
        await Poll.UntilAsync(async () => (long)(await appliance.GetJsonAsync($"connectors/{name}/status"))["counters"]!["events_out"]! == count, s_deadline,
            () => $"{name} delivered {count}: " + appliance.GetJsonAsync($"connectors/{name}/status").Result.ToJsonString());

    private static string StateFile(ApplianceHost appliance, string name) => Path.Combine(appliance.DataDir, "data", "connectors", name + ".json");

    [Fact]
    public async Task A_password_reference_reaches_the_sink_but_the_api_and_the_state_file_keep_the_reference()
    {
        string secret = "pw-" + Guid.NewGuid().ToString("N");
        string variable = "INGESTHUB_TEST_REDIS_PASSWORD_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        Environment.SetEnvironmentVariable(variable, secret);
        try
        {
            await using var redis = await RedisServer.StartAsync(new RedisServerOptions { Password = secret, Runtime = RedisRuntime.Process });
            await using var appliance = await ApplianceHost.StartAsync();
            const string name = "env-secret", topic = "env-secret-logs";
            var body = new JsonObject { ["name"] = name, ["config"] = RedisConfig(topic, redis.Port, "${" + variable + "}") };

            using (var created = await appliance.Http.PostAsJsonAsync("connectors", body, Ct))
            {
                string text = await created.Content.ReadAsStringAsync(Ct);
                Assert.True(created.StatusCode == HttpStatusCode.Created, text);
                Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
                Assert.Equal("${" + variable + "}", (string)JsonNode.Parse(text)!["config"]!["output"]!["password"]!);
            }
            await ProduceAsync(appliance, topic, 20);
            await AwaitDeliveredAsync(appliance, name, 20);

            var config = await appliance.GetJsonAsync($"connectors/{name}/config");
            Assert.Equal("${" + variable + "}", (string)config["output"]!["password"]!);
            string status = (await appliance.GetJsonAsync($"connectors/{name}/status")).ToJsonString();
            Assert.DoesNotContain(secret, status, StringComparison.Ordinal);

            string state = await File.ReadAllTextAsync(StateFile(appliance, name), Ct);
            Assert.Contains("${" + variable + "}", state, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, state, StringComparison.Ordinal);
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(StateFile(appliance, name)));

            // A restart compiles the stored reference again, from the environment of the new run.
            await appliance.RestartAsync();
            await ProduceAsync(appliance, topic, 5);
            await AwaitDeliveredAsync(appliance, name, 5);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task A_literal_password_is_masked_in_answers_and_sending_the_masked_config_back_keeps_it()
    {
        string secret = "literal-" + Guid.NewGuid().ToString("N");
        await using var redis = await RedisServer.StartAsync(new RedisServerOptions { Password = secret, Runtime = RedisRuntime.Process });
        await using var appliance = await ApplianceHost.StartAsync();
        const string name = "literal-secret", topic = "literal-secret-logs";

        using (var created = await appliance.Http.PostAsJsonAsync("connectors", new JsonObject { ["name"] = name, ["config"] = RedisConfig(topic, redis.Port, secret) }, Ct))
        {
            string text = await created.Content.ReadAsStringAsync(Ct);
            Assert.True(created.StatusCode == HttpStatusCode.Created, text);
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
        foreach (var path in new[] { $"connectors/{name}", $"connectors/{name}/config" })
        {
            string text = await appliance.Http.GetStringAsync(path, Ct);
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            Assert.Contains("\"password\":\"[hidden]\"", text, StringComparison.Ordinal);
        }

        // Read, edit, send back: the masked password keeps the stored one (the connector restarts and still delivers).
        var config = await appliance.GetJsonAsync($"connectors/{name}/config");
        config["output"]!["key"] = topic + "-edited";
        using (var put = await appliance.Http.PutAsJsonAsync($"connectors/{name}/config", config, Ct))
        {
            string text = await put.Content.ReadAsStringAsync(Ct);
            Assert.True(put.StatusCode == HttpStatusCode.OK, text);
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
        await ProduceAsync(appliance, topic, 10);
        await AwaitDeliveredAsync(appliance, name, 10);

        // The masked value cannot create a connector: there is no secret to keep.
        using var copy = await appliance.Http.PostAsJsonAsync("connectors", new JsonObject { ["name"] = name + "-copy", ["config"] = config.DeepClone() }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, copy.StatusCode);
        Assert.Contains("output.password", await copy.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reference_to_an_unset_variable_is_a_400_naming_the_key_and_the_variable_and_nothing_is_stored()
    {
        await using var appliance = await ApplianceHost.StartAsync();
        string variable = "INGESTHUB_TEST_UNSET_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        using var response = await appliance.Http.PostAsJsonAsync("connectors",
            new JsonObject { ["name"] = "unset-var", ["config"] = RedisConfig("unset-var-logs", 6379, "${" + variable + "}") }, Ct);
        string text = await response.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("output.password", text, StringComparison.Ordinal);
        Assert.Contains(variable, text, StringComparison.Ordinal);
        Assert.Empty((await appliance.Http.GetFromJsonAsync<string[]>("connectors", Ct))!);
        Assert.False(File.Exists(StateFile(appliance, "unset-var")));
    }

    [Fact]
    public async Task A_pipeline_file_resolves_references_at_start_and_one_with_an_unset_variable_is_not_started()
    {
        string secret = "yaml-" + Guid.NewGuid().ToString("N");
        string variable = "INGESTHUB_TEST_YAML_PASSWORD_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        string pipelines = Path.Combine(Path.GetTempPath(), "ingesthub-secret-pipelines", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(pipelines);
        Environment.SetEnvironmentVariable(variable, secret);
        try
        {
            await using var redis = await RedisServer.StartAsync(new RedisServerOptions { Password = secret, Runtime = RedisRuntime.Process });
            await File.WriteAllTextAsync(Path.Combine(pipelines, "yaml-secret.yaml"), $$"""
                name: yaml-secret
                input:
                  topics: [yaml-secret-logs]
                output:
                  type: redis
                  port: {{redis.Port}}
                  password: ${{{variable}}}
                  key: "yaml-${INGESTHUB_TEST_NOT_SET_ANYWHERE:-fallback}-$${literal}"
                """, Ct);
            await File.WriteAllTextAsync(Path.Combine(pipelines, "yaml-unset.yaml"), $$"""
                name: yaml-unset
                input:
                  topics: [yaml-unset-logs]
                output:
                  type: redis
                  port: {{redis.Port}}
                  password: ${{{variable}}_NOT_SET}
                """, Ct);
            await using var appliance = await ApplianceHost.StartAsync("--pipelines-dir", pipelines);

            Assert.Equal(["yaml-secret"], (await appliance.Http.GetFromJsonAsync<string[]>("connectors", Ct))!);
            await ProduceAsync(appliance, "yaml-secret-logs", 10);
            await AwaitDeliveredAsync(appliance, "yaml-secret", 10);
            Assert.Equal(10, await (await redis.DatabaseAsync()).ListLengthAsync("yaml-fallback-${literal}"));
            var output = (await appliance.GetJsonAsync("connectors/yaml-secret/config"))["output"]!;
            Assert.Equal("${" + variable + "}", (string)output["password"]!);
            Assert.Equal("yaml-${INGESTHUB_TEST_NOT_SET_ANYWHERE:-fallback}-$${literal}", (string)output["key"]!);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
            Directory.Delete(pipelines, recursive: true);
        }
    }
}
