using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using IngestHub.Testing;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Resources;
using Xunit;

namespace IngestHub.Inputs.Tests.Otlp;

/// <summary>POST /v1/logs fed by the OpenTelemetry .NET SDK's OTLP exporter (HTTP/protobuf) and by curl with OTLP/JSON.</summary>
public sealed class OtlpLogsTests(ApplianceFixture fixture) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ingesthub-otlp-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Uri LogsUrl => new(fixture.Host.HttpBase, "v1/logs");

    private async Task<List<(string? Key, JsonObject Json)>> StoredAsync(string service, int count)
    {
        List<(string?, JsonObject)> found = [];
        await Poll.UntilAsync(async () =>
        {
            var records = await TopicReader.ReadAllAsync(fixture.Host.Bootstrap, ApplianceFixture.OtlpTopic);
            found = [.. records.Select(r => (r.Key is null ? null : Encoding.UTF8.GetString(r.Key), JsonNode.Parse(r.Value!)!.AsObject()))
                .Where(r => (string?)r.Item2["service"] == service)];
            return found.Count >= count;
        }, TimeSpan.FromSeconds(30), () => $"{found.Count} of {count} records of {service}");
        return found;
    }

    [Fact]
    public async Task The_OpenTelemetry_SDK_OTLP_exporter_over_http_protobuf_delivers_records_with_trace_ids_and_attributes()
    {
        string service = "checkout-" + Guid.NewGuid().ToString("N")[..8];
        using var activity = new Activity("place-order");
        activity.Start();
        using (var factory = LoggerFactory.Create(logging => logging.AddOpenTelemetry(otel =>
        {
            otel.SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService(service, serviceInstanceId: "i-1").AddAttributes([new("deployment.environment", "test")]));
            otel.IncludeFormattedMessage = true;
            otel.AddOtlpExporter((exporter, processor) =>
            {
                exporter.Endpoint = LogsUrl;
                exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                processor.ExportProcessorType = OpenTelemetry.ExportProcessorType.Simple;
            });
        })))
        {
            var logger = factory.CreateLogger("Shop.Orders");
            logger.LogWarning(new EventId(7, "Declined"), "Order {OrderId} declined for {Amount}", 42, 9.5);
            logger.LogInformation("Order {OrderId} shipped", 43);
        }
        activity.Stop();

        var found = await StoredAsync(service, 2);
        Assert.All(found, r => Assert.Equal(service, r.Key));
        var declined = Assert.Single(found, r => (long?)r.Json["attributes"]?["OrderId"] == 42).Json;
        Assert.Equal(activity.TraceId.ToHexString(), (string)declined["traceId"]!);
        Assert.Equal(activity.SpanId.ToHexString(), (string)declined["spanId"]!);
        Assert.Equal("warn", (string)declined["level"]!);
        Assert.Equal(13, (int)declined["severityNumber"]!);
        Assert.Equal("Order 42 declined for 9.5", (string)declined["message"]!);
        Assert.Equal(9.5, (double)declined["attributes"]!["Amount"]!);
        Assert.Equal("i-1", (string)declined["resource"]!["service.instance.id"]!);
        Assert.Equal("test", (string)declined["resource"]!["deployment.environment"]!);
        Assert.Equal("Shop.Orders", (string)declined["scope"]!["name"]!);
        Assert.True(DateTime.UtcNow - ((DateTime)declined["@timestamp"]!).ToUniversalTime() < TimeSpan.FromHours(1));
        Assert.Single(found, r => (long?)r.Json["attributes"]?["OrderId"] == 43 && (string?)r.Json["level"] == "info");
    }

    /// <summary>The shape of the OTLP specification's JSON logs example (hex ids, int64 as strings, every AnyValue kind).</summary>
    private static string SpecExample(string service) => $$"""
        {
          "resourceLogs": [
            {
              "resource": { "attributes": [ { "key": "service.name", "value": { "stringValue": "{{service}}" } } ] },
              "scopeLogs": [
                {
                  "scope": { "name": "my.library", "version": "1.0.0", "attributes": [ { "key": "my.scope.attribute", "value": { "stringValue": "some scope attribute" } } ] },
                  "logRecords": [
                    {
                      "timeUnixNano": "1544712660300000000",
                      "observedTimeUnixNano": "1544712660300000000",
                      "severityNumber": 10,
                      "severityText": "Information",
                      "traceId": "5B8EFFF798038103D269B633813FC60C",
                      "spanId": "EEE19B7EC3C1B174",
                      "body": { "stringValue": "Example log record" },
                      "attributes": [
                        { "key": "string.attribute", "value": { "stringValue": "some string" } },
                        { "key": "boolean.attribute", "value": { "boolValue": true } },
                        { "key": "int.attribute", "value": { "intValue": "10" } },
                        { "key": "double.attribute", "value": { "doubleValue": 637.704 } },
                        { "key": "array.attribute", "value": { "arrayValue": { "values": [ { "stringValue": "many" }, { "stringValue": "values" } ] } } },
                        { "key": "map.attribute", "value": { "kvlistValue": { "values": [ { "key": "some.map.key", "value": { "stringValue": "some value" } } ] } } }
                      ]
                    }
                  ]
                }
              ]
            }
          ]
        }
        """;

    [Fact]
    public async Task The_spec_json_example_plain_and_gzip_lands_with_every_field()
    {
        string service = "my.service-" + Guid.NewGuid().ToString("N")[..8];
        string plain = Path.Combine(_dir, "logs.json");
        await File.WriteAllTextAsync(plain, SpecExample(service));
        var (status, body) = await Curl.PostAsync(LogsUrl, plain, "application/json");
        Assert.Equal((200, "{}"), (status, body));
        string gzip = Path.Combine(_dir, "logs.json.gz");
        await using (var file = File.Create(gzip))
        await using (var compressor = new GZipStream(file, CompressionLevel.Fastest))
            await compressor.WriteAsync(Encoding.UTF8.GetBytes(SpecExample(service)));
        var (gzipStatus, _) = await Curl.PostAsync(LogsUrl, gzip, "application/json", "-H", "Content-Encoding: gzip");
        Assert.Equal(200, gzipStatus);

        var found = await StoredAsync(service, 2);
        Assert.Equal(2, found.Count);
        var (key, json) = found[0];
        Assert.Equal(service, key);
        Assert.Equal("2018-12-13T14:51:00.3Z", ((DateTime)json["@timestamp"]!).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("5b8efff798038103d269b633813fc60c", (string)json["traceId"]!);
        Assert.Equal("eee19b7ec3c1b174", (string)json["spanId"]!);
        Assert.Equal("Information", (string)json["severity"]!);
        Assert.Equal("info", (string)json["level"]!);
        Assert.Equal("Example log record", (string)json["message"]!);
        var attributes = json["attributes"]!;
        Assert.Equal("some string", (string)attributes["string.attribute"]!);
        Assert.True((bool)attributes["boolean.attribute"]!);
        Assert.Equal(10, (long)attributes["int.attribute"]!);
        Assert.Equal(637.704, (double)attributes["double.attribute"]!);
        Assert.Equal("[\"many\",\"values\"]", attributes["array.attribute"]!.ToJsonString());
        Assert.Equal("some value", (string)attributes["map.attribute"]!["some.map.key"]!);
        Assert.Equal("my.library", (string)json["scope"]!["name"]!);
        Assert.Equal("1.0.0", (string)json["scope"]!["version"]!);
        Assert.Equal("some scope attribute", (string)json["scope"]!["attributes"]!["my.scope.attribute"]!);
        Assert.Equal(service, (string)json["resource"]!["service.name"]!);
    }

    [Fact]
    public async Task Garbage_bodies_get_400_with_a_status_message_and_an_unknown_content_type_415()
    {
        var counters = (InputRegistry)fixture.Host.Services.GetService(typeof(InputRegistry))!;
        long rejectedBefore = counters.Otlp.Rejected;
        string garbage = Path.Combine(_dir, "garbage.bin");
        await File.WriteAllBytesAsync(garbage, [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x01]);
        var (status, _) = await Curl.PostAsync(LogsUrl, garbage, "application/x-protobuf");
        Assert.Equal(400, status);
        string badJson = Path.Combine(_dir, "bad.json");
        await File.WriteAllTextAsync(badJson, "{\"resourceLogs\": [ {\"scopeLogs\": [ {\"logRecords\": [ {\"traceId\": \"not-hex\"} ] } ] } ] }");
        var (jsonStatus, jsonBody) = await Curl.PostAsync(LogsUrl, badJson, "application/json");
        Assert.Equal(400, jsonStatus);
        Assert.Contains("not a valid OTLP JSON", (string)JsonNode.Parse(jsonBody)!["message"]!, StringComparison.Ordinal);
        var (typeStatus, _) = await Curl.PostAsync(LogsUrl, badJson, "text/plain");
        Assert.Equal(415, typeStatus);
        Assert.Equal(rejectedBefore + 3, counters.Otlp.Rejected);
    }
}
