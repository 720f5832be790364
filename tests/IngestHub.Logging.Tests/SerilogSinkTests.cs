using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using IngestHub.Testing;
using Serilog;
using Serilog.Context;
using Xunit;

namespace IngestHub.Logging.Tests;

public sealed class SerilogSinkTests(ApplianceFixture fixture)
{
    [Fact]
    public async Task A_serilog_event_lands_in_the_topic_with_level_template_properties_exception_trace_and_service()
    {
        string topic = ApplianceFixture.NewTopic("serilog");
        using var source = new ActivitySource("IngestHub.Logging.Tests.Serilog");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == source.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        string traceId, spanId;
        var logger = new LoggerConfiguration()
            .MinimumLevel.Verbose()
            .Enrich.FromLogContext()
            .WriteTo.IngestHub(fixture.Host.Bootstrap, topic, o =>
            {
                o.ServiceName = "billing";
                o.ServiceInstance = "billing-1";
                o.Environment = "Staging";
                o.KeyField = "CustomerId";
            })
            .CreateLogger();
        try
        {
            var orders = logger.ForContext("SourceContext", "Billing.Invoices");
            using (var activity = source.StartActivity("invoice")!)
            using (LogContext.PushProperty("TenantId", "acme"))
            {
                traceId = activity.TraceId.ToHexString();
                spanId = activity.SpanId.ToHexString();
                try
                {
                    throw new InvalidOperationException("card expired");
                }
                catch (InvalidOperationException ex)
                {
                    orders.Error(ex, "Invoice {InvoiceId} for {CustomerId} failed: {@Lines}", 77, "c-9",
                        new[] { new { Sku = "A-1", Quantity = 2 } });
                }
            }
            orders.Verbose("Tick {Count}", 1);
        }
        finally
        {
            await logger.DisposeAsync();
        }

        List<(string? Key, JsonObject Value)> records = [];
        await Poll.UntilAsync(async () =>
        {
            var all = await TopicReader.ReadAllAsync(fixture.Host.Bootstrap, topic);
            records = [.. all.Select(r => (r.Key is null ? null : Encoding.UTF8.GetString(r.Key), JsonNode.Parse(r.Value!)!.AsObject()))];
            return records.Count >= 2;
        }, TimeSpan.FromSeconds(30), () => $"{records.Count} of 2 records in {topic}");

        var (key, error) = records.Single(r => (string?)r.Value["level"] == "Error");
        Assert.Equal("c-9", key);
        Assert.Equal("Billing.Invoices", (string?)error["category"]);
        Assert.Equal("Invoice {InvoiceId} for {CustomerId} failed: {@Lines}", (string?)error["template"]);
        Assert.StartsWith("Invoice 77 for \"c-9\" failed:", (string?)error["message"], StringComparison.Ordinal);
        var properties = error["properties"]!.AsObject();
        Assert.Equal(77, (int)properties["InvoiceId"]!);
        Assert.Equal("c-9", (string?)properties["CustomerId"]);
        Assert.Equal("acme", (string?)properties["TenantId"]);
        Assert.Equal("A-1", (string?)properties["Lines"]![0]!["Sku"]);
        Assert.Equal(2, (int)properties["Lines"]![0]!["Quantity"]!);
        Assert.False(properties.ContainsKey("SourceContext"));
        Assert.Equal(typeof(InvalidOperationException).FullName, (string?)error["exception"]!["type"]);
        Assert.Equal("card expired", (string?)error["exception"]!["message"]);
        Assert.Contains(nameof(A_serilog_event_lands_in_the_topic_with_level_template_properties_exception_trace_and_service), (string?)error["exception"]!["stack"], StringComparison.Ordinal);
        Assert.Equal(traceId, (string?)error["traceId"]);
        Assert.Equal(spanId, (string?)error["spanId"]);
        Assert.Equal("billing", (string?)error["service"]!["name"]);
        Assert.Equal("billing-1", (string?)error["service"]!["instance"]);
        Assert.Equal("Staging", (string?)error["service"]!["environment"]);
        Assert.True(DateTimeOffset.TryParse((string?)error["@timestamp"], System.Globalization.CultureInfo.InvariantCulture, out _));

        var (tickKey, tick) = records.Single(r => (string?)r.Value["level"] == "Trace");
        Assert.Equal("billing", tickKey);
        Assert.Equal("Tick 1", (string?)tick["message"]);
        Assert.Null(tick["traceId"]);
    }
}
