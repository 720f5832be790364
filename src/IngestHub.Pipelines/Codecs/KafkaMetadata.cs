using System.Text;
using System.Text.Json.Nodes;
using IngestHub.Pipelines.Events;

namespace IngestHub.Pipelines.Codecs;

/// <summary>Builds events decorated like Logstash's <c>decorate_events</c>: <c>@metadata.kafka</c> {topic,
/// partition, offset, key, timestamp, headers} and <c>@timestamp</c> from the record unless the document has one.</summary>
public static class KafkaMetadata
{
    public const string Root = "kafka";

    public static LogEvent CreateEvent(JsonObject fields, in KafkaRecord record, TimeProvider clock)
    {
        var e = new LogEvent(fields, Build(record))
        {
            Source = new SourcePosition(record.Topic, record.Partition, record.Offset),
        };
        if (!fields.ContainsKey(LogEvent.TimestampField))
            e.Timestamp = RecordTime(record, clock);
        return e;
    }

    /// <summary>A pass-through event: <paramref name="document"/> is a well-formed JSON object without a top-level
    /// <c>@timestamp</c>; it gets the record's time, and its metadata is built only if a filter reads it.</summary>
    internal static LogEvent CreatePassThroughEvent(ReadOnlyMemory<byte> document, in KafkaRecord record, TimeProvider clock)
    {
        return new LogEvent(document, RecordTime(record, clock), record)
        {
            Source = new SourcePosition(record.Topic, record.Partition, record.Offset),
        };
    }

    private static DateTimeOffset RecordTime(in KafkaRecord record, TimeProvider clock) =>
        record.Timestamp >= 0 ? DateTimeOffset.FromUnixTimeMilliseconds(record.Timestamp) : clock.GetUtcNow();

    internal static JsonObject Build(in KafkaRecord record)
    {
        var kafka = new JsonObject
        {
            ["topic"] = record.Topic,
            ["partition"] = record.Partition,
            ["offset"] = record.Offset,
            ["key"] = record.Key is { } key ? Encoding.UTF8.GetString(key.Span) : null,
            ["timestamp"] = record.Timestamp,
        };
        if (record.Headers is { Count: > 0 } headers)
        {
            var h = new JsonObject();
            foreach (var header in headers)
                h[header.Key] = header.Value is { } v ? Encoding.UTF8.GetString(v.Span) : null;
            kafka["headers"] = h;
        }
        return new JsonObject { [Root] = kafka };
    }
}
