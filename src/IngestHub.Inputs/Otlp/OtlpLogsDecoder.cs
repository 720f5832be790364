using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using IngestHub.Inputs.Http;
using IngestHub.Inputs.Otlp.Proto;

namespace IngestHub.Inputs.Otlp;

/// <summary>
/// Decodes an OTLP/HTTP logs export (<c>ExportLogsServiceRequest</c>, binary protobuf or OTLP/JSON) into one JSON record
/// per log record: timestamps, severity, body, attributes, trace and span ids (hex), event name, and the resource and
/// scope it came from. The key is the resource's <c>service.name</c>, so one service's records stay in order.
/// </summary>
public static class OtlpLogsDecoder
{
    private static readonly JsonParser Json = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly string[] SeverityNames = ["trace", "debug", "info", "warn", "error", "fatal"];

    /// <summary>Decodes <paramref name="body"/>; on failure <paramref name="failure"/> says why (400) and nothing is returned.</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> body, bool json, DateTimeOffset received, out List<IngestRecord> records, out IngestFailure? failure)
    {
        records = [];
        failure = null;
        ExportLogsServiceRequest request;
        try
        {
            request = json ? ParseJson(body.Span) : ExportLogsServiceRequest.Parser.ParseFrom(body.Span);
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidJsonException or JsonException or FormatException)
        {
            failure = new IngestFailure(400, $"not a valid OTLP {(json ? "JSON" : "protobuf")} ExportLogsServiceRequest: {ex.Message}");
            return false;
        }
        var buffer = new ArrayBufferWriter<byte>(1024);
        foreach (var resourceLogs in request.ResourceLogs)
        {
            string? service = null;
            foreach (var attribute in resourceLogs.Resource?.Attributes ?? [])
            {
                if (attribute.Key == "service.name" && attribute.Value?.ValueCase == AnyValue.ValueOneofCase.StringValue)
                    service = attribute.Value.StringValue;
            }
            byte[]? key = service is null ? null : Encoding.UTF8.GetBytes(service);
            foreach (var scopeLogs in resourceLogs.ScopeLogs)
            {
                foreach (var log in scopeLogs.LogRecords)
                {
                    buffer.ResetWrittenCount();
                    using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
                        Write(writer, log, resourceLogs, scopeLogs, service, received);
                    records.Add(new IngestRecord(key, buffer.WrittenSpan.ToArray()));
                }
            }
        }
        return true;
    }

    /// <summary>OTLP/JSON differs from the protobuf JSON mapping in one point: trace and span ids are hex, not base64.</summary>
    private static ExportLogsServiceRequest ParseJson(ReadOnlySpan<byte> body)
    {
        var root = JsonNode.Parse(body) as JsonObject ?? throw new FormatException("the body is not a JSON object");
        foreach (var resourceLogs in Items(root, "resourceLogs", "resource_logs"))
        {
            foreach (var scopeLogs in Items(resourceLogs, "scopeLogs", "scope_logs"))
            {
                foreach (var log in Items(scopeLogs, "logRecords", "log_records"))
                {
                    foreach (string field in (string[])["traceId", "trace_id", "spanId", "span_id"])
                    {
                        if (log[field] is JsonValue value && value.TryGetValue(out string? hex))
                            log[field] = Convert.ToBase64String(Convert.FromHexString(hex));
                    }
                }
            }
        }
        return Json.Parse<ExportLogsServiceRequest>(root.ToJsonString());
    }

    private static IEnumerable<JsonObject> Items(JsonObject parent, string name, string altName)
    {
        if ((parent[name] ?? parent[altName]) is not JsonArray array)
            yield break;
        foreach (var item in array)
        {
            if (item is JsonObject o)
                yield return o;
        }
    }

    private static void Write(Utf8JsonWriter json, LogRecord log, ResourceLogs resourceLogs, ScopeLogs scopeLogs, string? service, DateTimeOffset received)
    {
        json.WriteStartObject();
        var observed = Timestamp(log.ObservedTimeUnixNano);
        json.WriteString("@timestamp", Timestamp(log.TimeUnixNano) ?? observed ?? received.UtcDateTime);
        if (observed is not null)
            json.WriteString("observedTimestamp", observed.Value);
        int severity = (int)log.SeverityNumber;
        if (severity is >= 1 and <= 24)
        {
            json.WriteNumber("severityNumber", severity);
            json.WriteString("level", SeverityNames[(severity - 1) / 4]);
        }
        if (log.SeverityText.Length > 0)
            json.WriteString("severity", log.SeverityText);
        if (log.Body is { } body)
        {
            if (body.ValueCase == AnyValue.ValueOneofCase.StringValue)
            {
                json.WriteString("message", body.StringValue);
            }
            else
            {
                json.WritePropertyName("body");
                WriteValue(json, body);
            }
        }
        if (log.EventName.Length > 0)
            json.WriteString("eventName", log.EventName);
        if (log.TraceId.Length > 0)
            json.WriteString("traceId", Convert.ToHexStringLower(log.TraceId.Span));
        if (log.SpanId.Length > 0)
            json.WriteString("spanId", Convert.ToHexStringLower(log.SpanId.Span));
        if (log.Flags != 0)
            json.WriteNumber("flags", log.Flags);
        if (log.Attributes.Count > 0)
            WriteAttributes(json, "attributes", log.Attributes);
        if (service is not null)
            json.WriteString("service", service);
        if (resourceLogs.Resource is { Attributes.Count: > 0 } resource)
            WriteAttributes(json, "resource", resource.Attributes);
        if (scopeLogs.Scope is { } scope && (scope.Name.Length > 0 || scope.Version.Length > 0 || scope.Attributes.Count > 0))
        {
            json.WriteStartObject("scope");
            if (scope.Name.Length > 0)
                json.WriteString("name", scope.Name);
            if (scope.Version.Length > 0)
                json.WriteString("version", scope.Version);
            if (scope.Attributes.Count > 0)
                WriteAttributes(json, "attributes", scope.Attributes);
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    /// <summary>Null for 0 (unset); any other ulong of nanoseconds (up to the year 2554) fits a DateTime.</summary>
    private static DateTime? Timestamp(ulong unixNanos) => unixNanos == 0 ? null : DateTime.UnixEpoch.AddTicks((long)(unixNanos / 100));

    private static void WriteAttributes(Utf8JsonWriter json, string name, IEnumerable<KeyValue> attributes)
    {
        json.WriteStartObject(name);
        foreach (var attribute in attributes)
        {
            json.WritePropertyName(attribute.Key);
            WriteValue(json, attribute.Value);
        }
        json.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter json, AnyValue? value)
    {
        switch (value?.ValueCase)
        {
            case AnyValue.ValueOneofCase.StringValue:
                json.WriteStringValue(value.StringValue);
                break;
            case AnyValue.ValueOneofCase.BoolValue:
                json.WriteBooleanValue(value.BoolValue);
                break;
            case AnyValue.ValueOneofCase.IntValue:
                json.WriteNumberValue(value.IntValue);
                break;
            case AnyValue.ValueOneofCase.DoubleValue when double.IsFinite(value.DoubleValue):
                json.WriteNumberValue(value.DoubleValue);
                break;
            case AnyValue.ValueOneofCase.DoubleValue:
                json.WriteStringValue(value.DoubleValue.ToString(System.Globalization.CultureInfo.InvariantCulture));
                break;
            case AnyValue.ValueOneofCase.ArrayValue:
                json.WriteStartArray();
                foreach (var item in value.ArrayValue.Values)
                    WriteValue(json, item);
                json.WriteEndArray();
                break;
            case AnyValue.ValueOneofCase.KvlistValue:
                json.WriteStartObject();
                foreach (var pair in value.KvlistValue.Values)
                {
                    json.WritePropertyName(pair.Key);
                    WriteValue(json, pair.Value);
                }
                json.WriteEndObject();
                break;
            case AnyValue.ValueOneofCase.BytesValue:
                json.WriteBase64StringValue(value.BytesValue.Span);
                break;
            default:
                json.WriteNullValue();
                break;
        }
    }
}
