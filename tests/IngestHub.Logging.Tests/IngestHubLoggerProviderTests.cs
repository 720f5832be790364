using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using IngestHub.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace IngestHub.Logging.Tests;

public sealed class IngestHubLoggerProviderTests(ApplianceFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static async Task<List<(string? Key, JsonObject Value)>> RecordsAsync(string bootstrap, string topic, int expected)
    {
        List<(string?, JsonObject)> records = [];
        string description = "";
        await Poll.UntilAsync(async () =>
        {
            description = await DescribeAsync(bootstrap, topic);
            var all = await TopicReader.ReadAllAsync(bootstrap, topic);
            records = [.. all.Select(r => (r.Key is null ? null : Encoding.UTF8.GetString(r.Key), JsonNode.Parse(r.Value!)!.AsObject()))];
            return records.Count >= expected;
        }, Deadline, () => $"{records.Count} of {expected} records in {topic}: {description}");
        return records;
    }

    private static async Task<string> DescribeAsync(string bootstrap, string topic)
    {
        await using var admin = new IngestHub.Client.KafkaAdminClient(new IngestHub.Client.ClientOptions { BootstrapServers = bootstrap });
        var md = await admin.DescribeTopicsAsync([topic]);
        var t = md.Topics[topic];
        var ends = await admin.ListOffsetsAsync(t.Partitions.Select(p => new IngestHub.Client.TopicPartition(topic, p.Partition)), IngestHub.Client.KafkaAdminClient.Latest);
        return $"{t.Error} {t.Partitions.Count} partitions, ends {string.Join(",", ends.Values)}";
    }

    [Fact]
    public async Task An_event_becomes_one_json_record_with_template_properties_scopes_exception_trace_and_service()
    {
        string topic = ApplianceFixture.NewTopic("provider-fields");
        using var source = new ActivitySource("IngestHub.Logging.Tests");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == source.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        string traceId, spanId;
        using var diagnostics = new CapturingLoggerProvider();
        using (var factory = LoggerFactory.Create(b => b.AddProvider(diagnostics).AddIngestHub(o =>
               {
                   o.BootstrapServers = fixture.Host.Bootstrap;
                   o.Topic = topic;
                   o.ServiceName = "shop";
                   o.ServiceInstance = "shop-1";
                   o.Environment = "Staging";
               })))
        {
            var logger = factory.CreateLogger("Shop.Orders");
            using (var activity = source.StartActivity("place-order")!)
            {
                traceId = activity.TraceId.ToHexString();
                spanId = activity.SpanId.ToHexString();
                using (logger.BeginScope(new Dictionary<string, object?> { ["TenantId"] = "acme", ["Attempt"] = 2 }))
                using (logger.BeginScope("checkout"))
                {
                    var error = new InvalidOperationException("payment declined", new TimeoutException("gateway slow"));
                    try
                    {
                        throw error;
                    }
                    catch (InvalidOperationException ex)
                    {
                        logger.LogError(new EventId(42, "OrderFailed"), ex, "Order {OrderId} of {Amount} failed at {When}", 1234, 99.5m,
                            new DateTimeOffset(2025, 5, 1, 12, 0, 0, TimeSpan.Zero));
                    }
                }
            }
        } // disposing the factory flushes
        Assert.DoesNotContain(diagnostics.Entries, e => e.Category.StartsWith("IngestHub.", StringComparison.Ordinal) && e.Level >= LogLevel.Warning);
        var records = await RecordsAsync(fixture.Host.Bootstrap, topic, 1);
        var (key, json) = Assert.Single(records);
        Assert.Equal("shop", key);
        Assert.Equal("Error", (string?)json["level"]);
        Assert.Equal("Shop.Orders", (string?)json["category"]);
        Assert.Equal(42, (int?)json["eventId"]);
        Assert.Equal("OrderFailed", (string?)json["eventName"]);
        Assert.Equal("Order {OrderId} of {Amount} failed at {When}", (string?)json["template"]);
        Assert.StartsWith("Order 1234 of 99.5 failed at", (string?)json["message"]);
        Assert.Equal(1234, (int?)json["properties"]!["OrderId"]);
        Assert.Equal(99.5m, (decimal?)json["properties"]!["Amount"]);
        Assert.Equal("2025-05-01T12:00:00+00:00", (string?)json["properties"]!["When"]);
        Assert.Equal("acme", (string?)json["scopes"]![0]!["TenantId"]);
        Assert.Equal(2, (int?)json["scopes"]![0]!["Attempt"]);
        Assert.Equal("checkout", (string?)json["scopes"]![1]);
        Assert.Equal("System.InvalidOperationException", (string?)json["exception"]!["type"]);
        Assert.Equal("payment declined", (string?)json["exception"]!["message"]);
        Assert.Contains(nameof(An_event_becomes_one_json_record_with_template_properties_scopes_exception_trace_and_service), (string?)json["exception"]!["stack"]);
        Assert.Equal("System.TimeoutException", (string?)json["exception"]!["inner"]!["type"]);
        Assert.Equal("gateway slow", (string?)json["exception"]!["inner"]!["message"]);
        Assert.Equal(traceId, (string?)json["traceId"]);
        Assert.Equal(spanId, (string?)json["spanId"]);
        Assert.Equal("shop", (string?)json["service"]!["name"]);
        Assert.Equal("shop-1", (string?)json["service"]!["instance"]);
        Assert.Equal("Staging", (string?)json["service"]!["environment"]);
        var timestamp = DateTimeOffset.Parse((string)json["@timestamp"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(timestamp, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task Options_and_level_filters_bind_from_the_Logging_IngestHub_section()
    {
        string topic = ApplianceFixture.NewTopic("provider-config");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:IngestHub:BootstrapServers"] = fixture.Host.Bootstrap,
            ["Logging:IngestHub:Topic"] = topic,
            ["Logging:IngestHub:ServiceName"] = "billing",
            ["Logging:IngestHub:KeyField"] = "CustomerId",
            ["Logging:IngestHub:LogLevel:Default"] = "Warning",
            ["Logging:IngestHub:LogLevel:Billing.Audit"] = "Debug",
        }).Build();
        using var diagnostics = new CapturingLoggerProvider();
        var services = new ServiceCollection().AddLogging(b => b.AddConfiguration(configuration.GetSection("Logging")).AddProvider(diagnostics).AddIngestHub());
        await using (var provider = services.BuildServiceProvider())
        {
            var factory = provider.GetRequiredService<ILoggerFactory>();
            var options = provider.GetServices<ILoggerProvider>().OfType<IngestHubLoggerProvider>().Single().Options;
            Assert.Equal((topic, "billing", "CustomerId"), (options.Topic, options.ServiceName, options.KeyField));
            var invoices = factory.CreateLogger("Billing.Invoices");
            var audit = factory.CreateLogger("Billing.Audit");
            invoices.LogInformation("below the provider's level {CustomerId}", "c-1");
            invoices.LogWarning("invoice overdue for {CustomerId}", "c-7");
            audit.LogDebug("audit detail without the key field");
        } // DisposeAsync of the container flushes
        Assert.DoesNotContain(diagnostics.Entries, e => e.Category.StartsWith("IngestHub.", StringComparison.Ordinal) && e.Level >= LogLevel.Warning);
        var records = await RecordsAsync(fixture.Host.Bootstrap, topic, 2);
        Assert.Equal(2, records.Count);
        Assert.Contains(records, r => r.Key == "c-7" && (string?)r.Value["message"] == "invoice overdue for c-7");
        Assert.Contains(records, r => r.Key == "billing" && (string?)r.Value["category"] == "Billing.Audit" && (string?)r.Value["level"] == "Debug");
        Assert.DoesNotContain(records, r => ((string?)r.Value["message"])!.Contains("below", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_clients_own_logs_reach_the_other_providers_and_never_the_queue()
    {
        int closedPort;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            closedPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        using var capture = new CapturingLoggerProvider();
        var services = new ServiceCollection().AddLogging(b =>
        {
            b.SetMinimumLevel(LogLevel.Trace);
            b.AddProvider(capture);
            b.AddIngestHub(o =>
            {
                o.BootstrapServers = $"127.0.0.1:{closedPort}";
                o.Topic = "unreachable";
                o.DropReportInterval = TimeSpan.FromMilliseconds(200);
                o.ShutdownTimeout = TimeSpan.FromMilliseconds(500);
            });
        });
        await using var provider = services.BuildServiceProvider();
        var ingestHub = provider.GetServices<ILoggerProvider>().OfType<IngestHubLoggerProvider>().Single();
        var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger("App");
        for (int i = 0; i < 20; i++)
            logger.LogInformation("event {N}", i);
        // The sender keeps failing to reach the broker; the client logs about it (at Debug/Warning) and the shipper warns.
        await Poll.UntilAsync(() => capture.Entries.Any(e => e.Category.StartsWith("IngestHub.", StringComparison.Ordinal) && e.Level >= LogLevel.Warning),
            Deadline, () => $"captured: {string.Join(" | ", capture.Entries.Select(e => e.Category + ": " + e.Message))}");
        var stats = ingestHub.Statistics;
        Assert.Equal(20, stats.Received);
        Assert.Equal(20, stats.Queued + stats.InFlight);
        Assert.Equal(0, stats.Dropped);
    }
}
