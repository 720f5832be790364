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
        var e = new LogEvent(fields, new JsonObject { [Root] = kafka })
        {
            Source = new SourcePosition(record.Topic, record.Partition, record.Offset),
        };
        if (!fields.ContainsKey(LogEvent.TimestampField))
        {
            e.Timestamp = record.Timestamp >= 0
                ? DateTimeOffset.FromUnixTimeMilliseconds(record.Timestamp)
                : clock.GetUtcNow();
        }
        return e;
    }
}
