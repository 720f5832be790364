using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using IngestHub.Testing;
using IngestHub.Testing.Redis;
using Xunit;

namespace IngestHub.Compat.Tests;

/// <summary>
/// The appliance's own Kafka clients on a secured broker: an appliance whose SASL_PLAINTEXT listener is the only way
/// in for anyone but kcat's admin (the authorizer is on and only the super users may do anything), with the
/// connectors pointed at that listener through the <c>pipelines:</c> settings as one SCRAM user, the topologies
/// through <c>topologies:</c> as another and the HTTP input through <c>inputs:</c> as a third. A connector delivers every record into redis-server; a topology's Kafka
/// spout reads the same records, its topic sink writes them to a second topic (read back with kcat), its spout commits
/// and its lag is read, and the lag monitor watches the connector's group, all as the configured users.
/// </summary>
public sealed class SecuredConnectionsTests
{
    private const string Admin = "admin";
    private const string AdminPassword = "admin-Secret-3";
    private const string Pipes = "pipes";
    private const string PipesPassword = "pipes-Secret-4";
    private const string Streams = "streams";
    private const string StreamsPassword = "streams-Secret-5";
    private const string Inputs = "inputs";
    private const string InputsPassword = "inputs-Secret-6";
    private const int Records = 500;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string[] Sasl(string bootstrap, string user, string password) =>
        ["-b", bootstrap, "-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=SCRAM-SHA-256", "-X", $"sasl.username={user}", "-X", $"sasl.password={password}"];

    [Fact]
    public async Task Connectors_and_topologies_reach_a_SASL_listener_as_their_configured_users()
    {
        await using var redis = await RedisServer.StartAsync();
        string sasl = $"127.0.0.1:{FreePort()}";
        await using var host = await ApplianceHost.StartAsync(
            $"--broker:Listeners=PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://{sasl}",
            "--broker:AuthorizerEnabled=true",
            $"--broker:SuperUsers=User:{Admin};User:{Pipes};User:{Streams};User:{Inputs}",
            $"--pipelines:BootstrapServers={sasl}", "--pipelines:SecurityProtocol=SASL_PLAINTEXT", "--pipelines:SaslMechanism=SCRAM-SHA-256",
            $"--pipelines:SaslUsername={Pipes}", $"--pipelines:SaslPassword={PipesPassword}",
            $"--topologies:BootstrapServers={sasl}", "--topologies:SecurityProtocol=SASL_PLAINTEXT", "--topologies:SaslMechanism=SCRAM-SHA-512",
            $"--topologies:SaslUsername={Streams}", $"--topologies:SaslPassword={StreamsPassword}",
            $"--inputs:BootstrapServers={sasl}", "--inputs:SecurityProtocol=SASL_PLAINTEXT", "--inputs:SaslMechanism=SCRAM-SHA-256",
            $"--inputs:SaslUsername={Inputs}", $"--inputs:SaslPassword={InputsPassword}");
        host.Broker.Credentials.Upsert(Admin, AdminPassword);
        host.Broker.Credentials.Upsert(Pipes, PipesPassword);
        host.Broker.Credentials.Upsert(Streams, StreamsPassword);
        host.Broker.Credentials.Upsert(Inputs, InputsPassword);

        // The plaintext listener admits only the anonymous principal, which may do nothing.
        var anonymous = await Kcat.RunAsync(["-P", "-b", host.Bootstrap, "-t", "secure-logs", "-X", "message.timeout.ms=5000"], "refused\n", TimeSpan.FromSeconds(60), Ct);
        Assert.False(anonymous.Succeeded, anonymous.Describe());

        var lines = string.Concat(Enumerable.Range(0, Records).Select(i => $"{{\"n\":{i},\"msg\":\"secured line {i}\"}}\n"));
        var produced = await Kcat.RunAsync(["-P", .. Sasl(sasl, Admin, AdminPassword), "-t", "secure-logs", "-X", "acks=all"], lines, TimeSpan.FromSeconds(60), Ct);
        Assert.True(produced.Succeeded, produced.Describe());

        // The HTTP input writes through its producer as the inputs user (idempotent, acks=all: answered once stored).
        using var ingestBody = new StringContent("{\"msg\":\"one\"}\n{\"msg\":\"two\"}\n", System.Text.Encoding.UTF8, "application/x-ndjson");
        using (var ingested = await host.Http.PostAsync("ingest/secure-ingest", ingestBody, Ct))
            Assert.True(ingested.IsSuccessStatusCode, await ingested.Content.ReadAsStringAsync(Ct));
        var ingestedRecords = await Kcat.RunAsync(["-C", .. Sasl(sasl, Admin, AdminPassword), "-t", "secure-ingest", "-o", "beginning", "-e", "-q"], timeout: TimeSpan.FromSeconds(30), cancellationToken: Ct);
        Assert.Equal(["{\"msg\":\"one\"}", "{\"msg\":\"two\"}"], ingestedRecords.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));

        using (var created = await host.Http.PostAsJsonAsync("connectors", new JsonObject
        {
            ["name"] = "secure-to-redis",
            ["config"] = new JsonObject
            {
                ["input"] = new JsonObject { ["topics"] = new JsonArray("secure-logs"), ["workers"] = 1, ["start"] = "earliest" },
                ["codec"] = "json",
                ["output"] = new JsonObject { ["type"] = "redis", ["host"] = "127.0.0.1", ["port"] = redis.Port, ["mode"] = "list", ["key"] = "secure:list" },
            },
        }, Ct))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        using (var created = await host.Http.PostAsJsonAsync("api/topologies", new JsonObject
        {
            ["name"] = "secure-topology",
            ["spouts"] = new JsonObject
            {
                ["in"] = new JsonObject { ["type"] = "kafka", ["topics"] = new JsonArray("secure-logs"), ["commit.period.ms"] = 200 },
            },
            ["bolts"] = new JsonObject
            {
                ["parse"] = new JsonObject { ["type"] = "pipeline", ["input"] = "in", ["codec"] = "json" },
                ["out"] = new JsonObject { ["type"] = "sink", ["input"] = "parse", ["output"] = new JsonObject { ["type"] = "topic", ["topic"] = "secure-out" } },
            },
        }, Ct))
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync(Ct));

        var db = await redis.DatabaseAsync();
        string last = "";
        await Poll.UntilAsync(async () =>
        {
            last = $"{await db.ListLengthAsync("secure:list")} of {Records} in Redis; connector: {await host.Http.GetStringAsync("connectors/secure-to-redis/status", Ct)}";
            return await db.ListLengthAsync("secure:list") >= Records;
        }, Deadline, () => last);
        var delivered = (await db.ListRangeAsync("secure:list")).Select(v => JsonNode.Parse(v.ToString())!["n"]!.GetValue<int>()).ToHashSet();
        Assert.Equal(Records, delivered.Count);

        // The lag monitor reads the connectors' cluster with the connectors' credentials: the connector's group shows up
        // with its commits and no lag.
        await Poll.UntilAsync(async () =>
        {
            var groups = (await host.Http.GetFromJsonAsync<JsonNode>("api/groups", Ct))!;
            last = "lag monitor: " + groups.ToJsonString();
            var list = groups is JsonArray array ? array : groups["groups"]?.AsArray();
            return list is not null && list.Any(g => ((string?)g!["group"])?.Contains("secure-to-redis", StringComparison.Ordinal) == true && (long?)g["total_lag"] == 0);
        }, Deadline, () => last);

        // The topology read every record as its own user and wrote each to secure-out; its spout committed them all.
        await Poll.UntilAsync(async () =>
        {
            var read = await Kcat.RunAsync(["-C", .. Sasl(sasl, Admin, AdminPassword), "-t", "secure-out", "-o", "beginning", "-e", "-q"], timeout: TimeSpan.FromSeconds(30), cancellationToken: Ct);
            last = $"secure-out: {read.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length} records; topology: {await host.Http.GetStringAsync("api/topologies/secure-topology", Ct)}";
            return read.Succeeded && read.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= Records;
        }, Deadline, () => last);
        await Poll.UntilAsync(async () =>
        {
            var detail = (await host.Http.GetFromJsonAsync<JsonObject>("api/topologies/secure-topology", Ct))!;
            last = "spout commit/lag: " + detail.ToJsonString();
            var partitions = detail["spouts"]![0]!["partitions"]?.AsArray();
            // A partition the records did not land in has nothing to commit (-1), as in Kafka.
            return partitions is { Count: > 0 } && partitions.Sum(p => Math.Max(0, (long)p!["committed"]!)) == Records && partitions.All(p => (long)p!["lag"]! == 0);
        }, Deadline, () => last);
    }

    [Fact]
    public async Task A_refused_login_shows_in_the_connector_and_spout_status_instead_of_a_silent_stall()
    {
        string sasl = $"127.0.0.1:{FreePort()}";
        await using var host = await ApplianceHost.StartAsync(
            $"--broker:Listeners=PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://{sasl}",
            $"--pipelines:BootstrapServers={sasl}", "--pipelines:SecurityProtocol=SASL_PLAINTEXT", "--pipelines:SaslMechanism=SCRAM-SHA-256",
            $"--pipelines:SaslUsername={Pipes}", "--pipelines:SaslPassword=not-the-password",
            $"--topologies:BootstrapServers={sasl}", "--topologies:SecurityProtocol=SASL_PLAINTEXT", "--topologies:SaslMechanism=SCRAM-SHA-256",
            $"--topologies:SaslUsername={Streams}", "--topologies:SaslPassword=not-the-password");
        host.Broker.Credentials.Upsert(Pipes, PipesPassword);
        host.Broker.Credentials.Upsert(Streams, StreamsPassword);

        using (var created = await host.Http.PostAsJsonAsync("connectors", new JsonObject
        {
            ["name"] = "refused-to-redis",
            ["config"] = new JsonObject
            {
                ["input"] = new JsonObject { ["topics"] = new JsonArray("refused-logs"), ["workers"] = 1 },
                ["codec"] = "plain",
                ["output"] = new JsonObject { ["type"] = "redis", ["host"] = "127.0.0.1", ["port"] = 1, ["mode"] = "list", ["key"] = "k" },
            },
        }, Ct))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using (var created = await host.Http.PostAsJsonAsync("api/topologies", new JsonObject
        {
            ["name"] = "refused-topology",
            ["spouts"] = new JsonObject { ["in"] = new JsonObject { ["type"] = "kafka", ["topics"] = new JsonArray("refused-logs") } },
            ["bolts"] = new JsonObject { ["parse"] = new JsonObject { ["type"] = "pipeline", ["input"] = "in", ["codec"] = "plain" } },
        }, Ct))
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync(Ct));

        string last = "";
        await Poll.UntilAsync(async () =>
        {
            var status = (await host.Http.GetFromJsonAsync<JsonObject>("connectors/refused-to-redis/status", Ct))!;
            last = status.ToJsonString();
            return status["tasks"]!.AsArray().Any(t => ((string?)t!["trace"])?.Contains("SASL authentication", StringComparison.Ordinal) == true);
        }, Deadline, () => "connector status: " + last);

        // The topology's detail answers at once (its lag read fails fast) and names the refusal on the spout.
        await Poll.UntilAsync(async () =>
        {
            var detail = (await host.Http.GetFromJsonAsync<JsonObject>("api/topologies/refused-topology", Ct))!;
            last = detail.ToJsonString();
            return ((string?)detail["spouts"]![0]!["last_error"])?.Contains("SASL authentication", StringComparison.Ordinal) == true;
        }, Deadline, () => "topology detail: " + last);
    }
}
