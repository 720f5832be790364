using System.Text.Json;
using System.Text.Json.Nodes;
using IngestHub.Pipelines.Events;

namespace IngestHub.Pipelines.Codecs;

/// <summary>The record value is one JSON object whose properties become the event's fields. Anything else
/// (invalid JSON, an array, a scalar) is a decode failure.</summary>
public sealed class JsonCodec(TimeProvider? clock = null) : ICodec
{
    internal const string TimestampFailureTag = "_timestampparsefailure";
    private const string DuplicateNameReason = "json: an object has two members with the same name";
    private static readonly JsonNodeOptions NodeOptions = new() { PropertyNameCaseInsensitive = false };
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public void Decode(in KafkaRecord record, List<LogEvent> events, List<DecodeFailure> failures)
    {
        if (record.Value is not { } value)
            return;
        switch (JsonDocumentScan.Scan(value.Span))
        {
            case JsonDocumentScan.Result.PassThrough:
                // Nothing to fix up: ship the record's bytes unless a filter reads or changes a field.
                events.Add(KafkaMetadata.CreatePassThroughEvent(value, record, _clock));
                return;
            case JsonDocumentScan.Result.DuplicateName:
                failures.Add(new DecodeFailure(new SourcePosition(record.Topic, record.Partition, record.Offset), DuplicateNameReason));
                return;
        }
        if (TryParseObject(value.Span, out var fields, out var reason))
            events.Add(CreateEvent(fields, record, _clock));
        else
            failures.Add(new DecodeFailure(new SourcePosition(record.Topic, record.Partition, record.Offset), reason));
    }

    internal static bool TryParseObject(ReadOnlySpan<byte> utf8, out JsonObject fields, out string reason)
    {
        fields = null!;
        try
        {
            var node = JsonNode.Parse(utf8, NodeOptions);
            if (node is JsonObject obj)
            {
                // The object reads its members lazily: look one up now so a duplicate name fails here, not later.
                _ = obj.ContainsKey(LogEvent.TimestampField);
                fields = obj;
                reason = "";
                return true;
            }
            reason = node is null ? "json: value is null, expected an object" : $"json: value is a {node.GetValueKind().ToString().ToLowerInvariant()}, expected an object";
            return false;
        }
        catch (JsonException ex)
        {
            reason = "json: " + ex.Message;
            return false;
        }
        catch (ArgumentException ex)
        {
            // Duplicate property names.
            reason = "json: " + ex.Message;
            return false;
        }
    }

    /// <summary>A document's own <c>@timestamp</c> wins when it parses; otherwise it moves to <c>_@timestamp</c>
    /// and the event is tagged, as Logstash does.</summary>
    internal static LogEvent CreateEvent(JsonObject fields, in KafkaRecord record, TimeProvider clock)
    {
        string? invalid = null;
        if (fields[LogEvent.TimestampField] is { } ts)
        {
            if (ts is JsonValue v && v.TryGetValue(out string? text) && IsoTimestamp.TryParse(text, TimeZoneInfo.Utc, out var parsed))
            {
                fields.Remove(LogEvent.TimestampField);
                var e = KafkaMetadata.CreateEvent(fields, record, clock);
                e.Timestamp = parsed;
                return e;
            }
            invalid = ts.ToJsonString();
            fields.Remove(LogEvent.TimestampField);
        }
        var ev = KafkaMetadata.CreateEvent(fields, record, clock);
        if (invalid is not null)
        {
            ev.Fields["_@timestamp"] = invalid;
            ev.AddTag(TimestampFailureTag);
        }
        return ev;
    }
}
