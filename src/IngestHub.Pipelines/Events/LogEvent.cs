using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using IngestHub.Pipelines.Codecs;

namespace IngestHub.Pipelines.Events;

/// <summary>
/// One event flowing through a pipeline, shaped like a Logstash event: a JSON document of fields, an
/// <c>@timestamp</c>, <c>tags</c>, and <c>@metadata</c> that filters can read but sinks never ship.
/// Field references are either dotted (<c>http.status</c>) or Logstash-style (<c>[http][status]</c>).
/// </summary>
public sealed class LogEvent
{
    public const string TimestampField = "@timestamp";
    public const string TagsField = "tags";

    private JsonObject? _fields;
    private JsonObject? _metadata;
    // Pass-through form: a validated JSON object without @timestamp, shipped as written plus the timestamp until a
    // filter reads or changes a field; then it is parsed once into _fields.
    private readonly ReadOnlyMemory<byte> _document;
    private readonly DateTimeOffset _documentTimestamp;
    private readonly KafkaRecord _record;
    private readonly bool _metadataFromRecord;

    public LogEvent(JsonObject? fields = null, JsonObject? metadata = null)
    {
        _fields = fields ?? [];
        _metadata = metadata ?? [];
    }

    /// <summary>An event whose fields are <paramref name="document"/> (a well-formed JSON object without a top-level
    /// <c>@timestamp</c>) plus <paramref name="timestamp"/>; it is parsed only when a field is read or changed.
    /// <see cref="Metadata"/> is built from <paramref name="record"/> on first use.</summary>
    internal LogEvent(ReadOnlyMemory<byte> document, DateTimeOffset timestamp, in KafkaRecord record)
    {
        _document = document;
        _documentTimestamp = timestamp;
        _record = record;
        _metadataFromRecord = true;
    }

    /// <summary>The document shipped to the sink.</summary>
    public JsonObject Fields => _fields ??= ParseDocument();

    /// <summary>Not shipped: <c>kafka</c> (topic, partition, offset, key, timestamp) and filter scratch space.</summary>
    public JsonObject Metadata => _metadata ??= _metadataFromRecord ? KafkaMetadata.Build(_record) : [];

    /// <summary>Source position, used for commits, dead letters and default document ids.</summary>
    public SourcePosition Source { get; init; }

    /// <summary>True while the event is still the record's bytes: no filter has read or changed a field.</summary>
    public bool IsPassThrough => _fields is null;

    public DateTimeOffset Timestamp
    {
        get
        {
            if (_fields is null)
                return _documentTimestamp;
            return _fields[TimestampField] is JsonValue v && v.TryGetValue(out string? s) && DateTimeOffset.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t)
                ? t
                : DateTimeOffset.UnixEpoch;
        }
        set => Fields[TimestampField] = value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Writes the fields as one JSON object: a pass-through event copies the record's bytes and appends
    /// <c>@timestamp</c> (nothing is parsed or allocated); a changed one serializes its fields.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        if (_fields is not null)
        {
            _fields.WriteTo(writer);
            return;
        }
        var document = _document.Span;
        int close = document.LastIndexOf((byte)'}');
        int open = document.IndexOf((byte)'{');
        var members = document[open..close];
        bool empty = members[1..].Trim(" \t\r\n"u8).IsEmpty;
        int length = members.Length + TimestampMemberLength + 2;
        byte[]? rented = null;
        Span<byte> buffer = length <= 1024 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length));
        members.CopyTo(buffer);
        int n = members.Length;
        if (!empty)
            buffer[n++] = (byte)',';
        n += WriteTimestampMember(buffer[n..], _documentTimestamp);
        buffer[n++] = (byte)'}';
        writer.WriteRawValue(buffer[..n], skipInputValidation: true);
        if (rented is not null)
            ArrayPool<byte>.Shared.Return(rented);
    }

    // "@timestamp":"yyyy-MM-ddTHH:mm:ss.fffZ"
    private const int TimestampMemberLength = 13 + 26;

    private static int WriteTimestampMember(Span<byte> destination, DateTimeOffset timestamp)
    {
        "\"@timestamp\":\""u8.CopyTo(destination);
        int n = 14;
        timestamp.UtcDateTime.TryFormat(destination[n..], out int written, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        n += written;
        destination[n++] = (byte)'"';
        return n;
    }

    private JsonObject ParseDocument()
    {
        var fields = JsonNode.Parse(_document.Span) as JsonObject ?? [];
        fields[TimestampField] = _documentTimestamp.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        return fields;
    }

    /// <summary>Reads a field by reference; <c>@metadata.x</c> / <c>[@metadata][x]</c> read metadata.</summary>
    public JsonNode? Get(string reference) => Get(FieldReference.Parse(reference));

    /// <summary>Reads a field by a pre-parsed reference (filters parse theirs once).</summary>
    public JsonNode? Get(FieldReference path)
    {
        JsonNode? node = path.IsMetadata ? Metadata : Fields;
        foreach (var part in path.Parts)
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(part, out node))
                return null;
        }
        return node;
    }

    public string? GetString(string reference) => GetString(FieldReference.Parse(reference));

    public string? GetString(FieldReference path) => Get(path) switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        var other => other.ToJsonString(),
    };

    public bool Has(string reference) => Has(FieldReference.Parse(reference));

    /// <summary>True when the field exists, even with a JSON null value.</summary>
    public bool Has(FieldReference path)
    {
        JsonNode? node = path.IsMetadata ? Metadata : Fields;
        for (int i = 0; i < path.Parts.Length; i++)
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(path.Parts[i], out var next))
                return false;
            node = next;
        }
        return true;
    }

    /// <summary>Sets a field, creating intermediate objects.</summary>
    public void Set(string reference, JsonNode? value) => Set(FieldReference.Parse(reference), value);

    /// <summary>Sets a field, creating intermediate objects (replacing non-object intermediates).</summary>
    public void Set(FieldReference path, JsonNode? value)
    {
        JsonObject obj = path.IsMetadata ? Metadata : Fields;
        for (int i = 0; i < path.Parts.Length - 1; i++)
        {
            if (obj[path.Parts[i]] is not JsonObject child)
            {
                child = [];
                obj[path.Parts[i]] = child;
            }
            obj = child;
        }
        obj[path.Parts[^1]] = value;
    }

    /// <summary>Removes a field; returns the removed node.</summary>
    public JsonNode? Remove(string reference) => Remove(FieldReference.Parse(reference));

    /// <summary>Removes a field; returns the removed node (detached, so it can be set elsewhere).</summary>
    public JsonNode? Remove(FieldReference path)
    {
        JsonNode? node = path.IsMetadata ? Metadata : Fields;
        for (int i = 0; i < path.Parts.Length - 1; i++)
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(path.Parts[i], out node))
                return null;
        }
        if (node is JsonObject parent && parent.TryGetPropertyValue(path.Parts[^1], out var removed))
        {
            parent.Remove(path.Parts[^1]);
            return removed;
        }
        return null;
    }

    public void RemoveTag(string tag)
    {
        if (Fields[TagsField] is not JsonArray tags)
            return;
        for (int i = tags.Count - 1; i >= 0; i--)
            if (tags[i] is JsonValue v && v.TryGetValue(out string? s) && s == tag)
                tags.RemoveAt(i);
    }

    public void AddTag(string tag)
    {
        if (Fields[TagsField] is not JsonArray tags)
        {
            tags = [];
            Fields[TagsField] = tags;
        }
        foreach (var existing in tags)
            if (existing is JsonValue v && v.TryGetValue(out string? s) && s == tag)
                return;
        tags.Add(tag);
    }

    public bool HasTag(string tag)
    {
        if (Fields[TagsField] is not JsonArray tags)
            return false;
        foreach (var existing in tags)
            if (existing is JsonValue v && v.TryGetValue(out string? s) && s == tag)
                return true;
        return false;
    }
}
