using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IngestHub.Client;
using IngestHub.Pipelines.Codecs;
using IngestHub.Pipelines.Events;

namespace IngestHub.Streams.Bolts;

/// <summary>
/// How the stock parts see tuples: the pipeline bolt emits an <c>event</c> field (a <see cref="LogEvent"/>) plus
/// copies of chosen event fields; a name resolves to a tuple field first, then to the event's field of that
/// name. Tuples from a Kafka spout convert back to the record they carry (for codecs and dead letters).
/// </summary>
public static class TupleEvents
{
    public const string EventField = "event";

    /// <summary>The tuple's event, or an event built from its fields (JSON values; bytes as UTF-8 text).</summary>
    public static LogEvent ToEvent(StreamTuple tuple)
    {
        if (tuple.Fields.IndexOf(EventField) is int i and >= 0 && tuple[i] is LogEvent e)
            return e;
        if (tuple.Fields.IndexOf(TopologyConstants.LateTupleField) is int late and >= 0 && tuple[late] is StreamTuple inner)
            return ToEvent(inner);
        var fields = new JsonObject();
        for (int f = 0; f < tuple.Size; f++)
            fields[tuple.Fields[f]] = ToJson(tuple[f]);
        var built = new LogEvent(fields);
        return built;
    }

    /// <summary>A value as JSON: numbers, booleans and strings as such, bytes as UTF-8 text, events as their fields.</summary>
    public static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        JsonNode node => node.DeepClone(),
        string s => s,
        bool b => b,
        int i => i,
        long l => l,
        double d => d,
        float f => f,
        decimal m => m,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        DateTimeOffset t => t.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        LogEvent e => e.Fields.DeepClone(),
        StreamTuple t => ToEvent(t).Fields.DeepClone(),
        IReadOnlyList<Header> headers => new JsonObject(headers.Select(h => KeyValuePair.Create(h.Key, (JsonNode?)(h.Value is null ? null : Encoding.UTF8.GetString(h.Value))))),
        _ => StreamTuple.AsString(value),
    };

    /// <summary>Reads <paramref name="name"/> from the tuple (a field of that name) or its event (a field reference).</summary>
    public static bool TryRead(StreamTuple tuple, string name, FieldReference? reference, out object? value)
    {
        int index = tuple.Fields.IndexOf(name);
        if (index >= 0)
        {
            value = tuple[index];
            return true;
        }
        if (reference is { } r && tuple.Fields.IndexOf(EventField) is int e and >= 0 && tuple[e] is LogEvent logEvent && logEvent.Has(r))
        {
            value = logEvent.Get(r) switch
            {
                JsonValue v when v.TryGetValue(out string? s) => s,
                JsonValue v when v.TryGetValue(out long l) => l,
                JsonValue v when v.TryGetValue(out double d) => d,
                JsonValue v when v.TryGetValue(out bool b) => b,
                null => null,
                var node => node.ToJsonString(),
            };
            return true;
        }
        value = null;
        return false;
    }

    /// <summary>The Kafka record a spout tuple carries (fields topic, partition, offset, key, value, timestamp, headers).</summary>
    public static KafkaRecord ToKafkaRecord(StreamTuple tuple)
    {
        var source = tuple.Source;
        string topic = Read(tuple, "topic") as string ?? source?.Topic ?? "";
        int partition = Read(tuple, "partition") is int p ? p : source?.Partition ?? -1;
        long offset = Read(tuple, "offset") is long o ? o : source?.Offset ?? -1;
        long timestamp = Read(tuple, "timestamp") is long ts ? ts : -1;
        var key = Bytes(Read(tuple, "key"));
        var value = Bytes(Read(tuple, "value") ?? Read(tuple, "message"));
        List<KafkaHeader>? headers = null;
        if (Read(tuple, "headers") is IReadOnlyList<Header> h && h.Count > 0)
            headers = [.. h.Select(x => new KafkaHeader(x.Key, x.Value is null ? null : (ReadOnlyMemory<byte>?)x.Value))];
        return new KafkaRecord(topic, partition, offset, timestamp, key is null ? null : (ReadOnlyMemory<byte>?)key, value is null ? null : (ReadOnlyMemory<byte>?)value, headers);
    }

    /// <summary>A record for the dead-letter topic: the spout's record when the tuple is one, else the tuple (or
    /// its event) as JSON, with the lineage as origin.</summary>
    public static ConsumeResult ToDeadLetter(StreamTuple tuple)
    {
        var source = tuple.Source;
        if (tuple.Fields.Contains("value") && tuple.Fields.Contains("offset"))
        {
            var r = ToKafkaRecord(tuple);
            return new ConsumeResult
            {
                Topic = r.Topic,
                Partition = r.Partition,
                Offset = r.Offset,
                Timestamp = r.Timestamp,
                Key = r.Key?.ToArray(),
                Value = r.Value?.ToArray(),
                Headers = Read(tuple, "headers") as IReadOnlyList<Header> ?? [],
            };
        }
        var document = ToEvent(tuple).Fields.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
        return new ConsumeResult
        {
            Topic = source?.Topic ?? tuple.SourceComponent,
            Partition = source?.Partition ?? -1,
            Offset = source?.Offset ?? -1,
            Timestamp = -1,
            Value = Encoding.UTF8.GetBytes(document),
        };
    }

    private static object? Read(StreamTuple tuple, string field) => tuple.Fields.IndexOf(field) is int i and >= 0 ? tuple[i] : null;

    private static byte[]? Bytes(object? value) => value switch
    {
        null => null,
        byte[] b => b,
        string s => Encoding.UTF8.GetBytes(s),
        _ => Encoding.UTF8.GetBytes(StreamTuple.AsString(value) ?? ""),
    };
}
