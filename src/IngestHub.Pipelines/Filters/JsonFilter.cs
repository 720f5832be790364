using System.Text.Json.Nodes;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Events;

namespace IngestHub.Pipelines.Filters;

/// <summary>Parses the JSON text in <c>source</c> (default <c>message</c>) into the event root or into
/// <c>target</c>; tags <c>_jsonparsefailure</c> when the text is not JSON (or, at the root, not an object).</summary>
public sealed class JsonFilter : IFilter
{
    public static readonly string[] Keys = ["source", "target", "tag_on_failure", "skip_on_invalid_json"];

    private readonly FieldReference _source;
    private readonly FieldReference? _target;
    private readonly IReadOnlyList<string> _failureTags;
    private readonly bool _skipOnInvalid;

    public JsonFilter(SettingsReader s)
    {
        _source = Field(s, "source", "message");
        _target = s.Has("target") ? Field(s, "target", "") : null;
        _failureTags = s.Has("tag_on_failure") ? s.StringList("tag_on_failure") : ["_jsonparsefailure"];
        _skipOnInvalid = s.Bool("skip_on_invalid_json", false);
    }

    internal static FieldReference Field(SettingsReader s, string name, string defaultValue)
    {
        var text = s.String(name, defaultValue) ?? defaultValue;
        return FieldReference.TryParse(text, out var field)
            ? field
            : throw new ConfigException(s.KeyOf(name), $"invalid field reference '{text}'");
    }

    public FilterOutcome Apply(LogEvent e)
    {
        if (e.GetString(_source) is not { } text)
            return FilterOutcome.Success;
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(text);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or ArgumentException)
        {
            return Fail(e);
        }
        if (_target is { } target)
        {
            e.Set(target, parsed);
            return FilterOutcome.Success;
        }
        if (parsed is not JsonObject obj)
            return Fail(e);
        foreach (var name in KeysOf(obj))
        {
            var value = obj[name];
            obj.Remove(name);
            if (name == LogEvent.TimestampField && value is JsonValue v && v.TryGetValue(out string? ts)
                && IsoTimestamp.TryParse(ts, TimeZoneInfo.Utc, out var parsedTs))
            {
                e.Timestamp = parsedTs;
                continue;
            }
            e.Fields[name] = value;
        }
        return FilterOutcome.Success;
    }

    private static List<string> KeysOf(JsonObject obj)
    {
        var keys = new List<string>(obj.Count);
        foreach (var (k, _) in obj)
            keys.Add(k);
        return keys;
    }

    private FilterOutcome Fail(LogEvent e)
    {
        if (_skipOnInvalid)
            return FilterOutcome.Success;
        foreach (var tag in _failureTags)
            e.AddTag(tag);
        return FilterOutcome.Failure;
    }
}
