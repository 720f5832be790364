using System.Diagnostics;
using System.Text.Json.Nodes;
using IngestHub.Examples.OrdersApi;
using IngestHub.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace IngestHub.Logging.Tests;

/// <summary>The appliance stops while the example app serves requests: requests are answered as before, the queue
/// bounds what is held, every event is either stored or counted as dropped, and after the restart logs flow again.</summary>
public sealed class SampleAppBrokerOutageTests(ITestOutputHelper output)
{
    private static async Task<double[]> RequestsAsync(HttpClient http, string customer, int from, int count)
    {
        var latencies = new double[count];
        for (int i = 0; i < count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            using var response = await http.GetAsync(new Uri($"orders/{from + i}?customer={customer}", UriKind.Relative));
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            Assert.True(response.IsSuccessStatusCode, $"request {i} answered {response.StatusCode}");
        }
        Array.Sort(latencies);
        return latencies;
    }

    private static string Describe(double[] sorted) =>
        $"p50 {sorted[sorted.Length / 2]:F2} ms, p99 {sorted[(int)(sorted.Length * 0.99)]:F2} ms, max {sorted[^1]:F2} ms";

    [Fact]
    public async Task Requests_are_unaffected_while_the_broker_is_down_and_every_event_is_stored_or_counted_dropped()
    {
        const int capacity = 300, upRequests = 200, downRequests = 1500, afterRequests = 20;
        await using var host = await ApplianceHost.StartAsync();
        var app = OrdersApp.Build(["--urls", "http://127.0.0.1:0", "--environment", "Production",
            "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Orders=Information",
            $"--Logging:IngestHub:BootstrapServers={host.Bootstrap}", "--Logging:IngestHub:Topic=orders-outage",
            "--Logging:IngestHub:ServiceName=orders-api", $"--Logging:IngestHub:QueueCapacity={capacity}", "--Logging:IngestHub:MaxInFlight=100"]);
        await using (app)
        {
            await app.StartAsync();
            var provider = app.Services.GetServices<ILoggerProvider>().OfType<IngestHubLoggerProvider>().Single();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) };

            var up = await RequestsAsync(http, "up", 1, upRequests);
            using (var flush = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
                await provider.FlushAsync(flush.Token);
            var before = provider.Statistics;
            Assert.Equal(0, before.Dropped);

            await host.StopAsync();
            var down = await RequestsAsync(http, "down", 10_001, downRequests);
            var during = provider.Statistics;
            output.WriteLine($"request latency, broker up: {Describe(up)}; broker down: {Describe(down)}");
            Assert.True(down.Sum() < TimeSpan.FromSeconds(120).TotalMilliseconds, $"requests waited on the broker: {Describe(down)}");
            Assert.True(during.Queued + during.InFlight <= capacity, $"held {during.Queued + during.InFlight} events, capacity {capacity}");
            Assert.True(during.DroppedQueueFull >= downRequests - capacity, $"dropped {during.DroppedQueueFull}");
            Assert.InRange(during.HeldBytes, 1, provider.Options.QueueBytesLimit);

            await host.StartAsync();
            using (var flush = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
                await provider.FlushAsync(flush.Token);
            await RequestsAsync(http, "after", 20_001, afterRequests);
            using (var flush = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
                await provider.FlushAsync(flush.Token);
            var after = provider.Statistics;
            Assert.Equal(after.Received, after.Sent + after.Dropped);

            var records = await TopicReader.ReadAllAsync(host.Bootstrap, "orders-outage");
            int Stored(string customer) => records.Count(r => (string?)JsonNode.Parse(r.Value!)!["properties"]?["Customer"] == customer);
            Assert.Equal(upRequests, Stored("up"));
            Assert.Equal(afterRequests, Stored("after"));
            // Exact: every event logged during the outage is in the topic or in the dropped count.
            Assert.Equal(downRequests, Stored("down") + (after.Dropped - before.Dropped));
            Assert.Equal(after.Sent, records.Count);
        }
    }
}
