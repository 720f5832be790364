using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IngestHub.Client;
using IngestHub.Examples.OrdersApi;
using IngestHub.Testing;
using IngestHub.Testing.Redis;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace IngestHub.Logging.Tests;

/// <summary>The example orders app (deploy/examples) logs through the provider into the appliance; a Redis connector
/// pipes the topic into a real redis-server, where the structured fields and the request's trace id are found.</summary>
public sealed class SampleAppEndToEndTests(ApplianceFixture fixture)
{
    [Fact]
    public async Task Sample_app_logs_reach_redis_with_structured_fields_and_the_request_trace_id()
    {
        string topic = ApplianceFixture.NewTopic("orders-api-logs");
        string redisKey = topic + "-in-redis";
        await using var redis = await RedisServer.StartAsync(new RedisServerOptions { Runtime = RedisRuntime.Process });
        await using (var admin = new KafkaAdminClient(new ClientOptions { BootstrapServers = fixture.Host.Bootstrap }))
            await admin.CreateTopicAsync(topic, 2);
        var definition = new JsonObject
        {
            ["input"] = new JsonObject { ["topics"] = new JsonArray(topic), ["start"] = "earliest" },
            ["codec"] = "json",
            ["output"] = new JsonObject { ["type"] = "redis", ["port"] = redis.Port, ["mode"] = "list", ["key"] = redisKey, ["linger.ms"] = 20 },
        };
        using (var created = await fixture.Host.Http.PostAsJsonAsync("connectors", new JsonObject { ["name"] = topic, ["config"] = definition }))
            Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);

        var traceId = ActivityTraceId.CreateRandom();
        var parentSpan = ActivitySpanId.CreateRandom();
        var app = OrdersApp.Build(["--urls", "http://127.0.0.1:0", "--environment", "Production",
            $"--Logging:IngestHub:BootstrapServers={fixture.Host.Bootstrap}", $"--Logging:IngestHub:Topic={topic}",
            "--Logging:IngestHub:ServiceName=orders-api", "--Logging:IngestHub:Environment=test"]);
        await using (app)
        {
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) };
            using var request = new HttpRequestMessage(HttpMethod.Get, "orders/42?customer=ada");
            request.Headers.Add("traceparent", $"00-{traceId.ToHexString()}-{parentSpan.ToHexString()}-01");
            using (var response = await http.SendAsync(request))
                Assert.True(response.IsSuccessStatusCode, $"GET /orders/42 answered {response.StatusCode}");
            using (var missing = await http.GetAsync(new Uri("orders/0", UriKind.Relative)))
                Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
            await app.StopAsync(); // the provider flushes what it holds on shutdown
        }

        JsonObject? lookedUp = null, notFound = null;
        await Poll.UntilAsync(async () =>
        {
            var items = await (await redis.DatabaseAsync()).ListRangeAsync(redisKey);
            var events = items.Select(i => JsonNode.Parse(i.ToString())!.AsObject()).Where(e => (string?)e["category"] == "Orders").ToList();
            lookedUp = events.FirstOrDefault(e => (string?)e["properties"]?["Customer"] == "ada");
            notFound = events.FirstOrDefault(e => ((string?)e["message"])?.Contains("does not exist", StringComparison.Ordinal) == true);
            return lookedUp is not null && notFound is not null;
        }, TimeSpan.FromSeconds(60), () => $"redis list {redisKey}: looked-up event {(lookedUp is null ? "missing" : "found")}, not-found event {(notFound is null ? "missing" : "found")}");

        Assert.Equal(traceId.ToHexString(), (string)lookedUp!["traceId"]!);
        Assert.Matches("^[0-9a-f]{16}$", (string)lookedUp["spanId"]!);
        Assert.NotEqual(parentSpan.ToHexString(), (string)lookedUp["spanId"]!);
        Assert.Equal("Order 42 looked up by ada", (string)lookedUp["message"]!);
        Assert.Equal("Order {OrderId} looked up by {Customer}", (string)lookedUp["template"]!);
        Assert.Equal(42, (int)lookedUp["properties"]!["OrderId"]!);
        Assert.Equal("orders-api", (string)lookedUp["service"]!["name"]!);
        Assert.Equal("test", (string)lookedUp["service"]!["environment"]!);
        Assert.Contains("42", lookedUp["scopes"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(0, (int)notFound!["properties"]!["OrderId"]!);
    }
}
