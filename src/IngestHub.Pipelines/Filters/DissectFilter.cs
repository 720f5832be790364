using System.Globalization;
using System.Text.Json.Nodes;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Events;

namespace IngestHub.Pipelines.Filters;

/// <summary>Logstash dissect: <c>mapping: { field: "%{a} %{b} [%{ts}]" }</c> splits by delimiters into root
/// fields; <c>convert_datatype: { b: int }</c>; tags <c>_dissectfailure</c> and sets nothing when a mapping
/// does not fit.</summary>
public sealed class DissectFilter : IFilter
{
    public static readonly string[] Keys = ["mapping", "append_separator", "convert_datatype", "tag_on_failure"];

    private readonly (FieldReference Source, DissectPattern Pattern)[] _mappings;
    private readonly Dictionary<string, GrokValueType> _convert = new(StringComparer.Ordinal);
    private readonly string _separator;
    private readonly IReadOnlyList<string> _failureTags;

    public DissectFilter(SettingsReader s)
    {
        var mapping = s.StringMap("mapping");
        if (mapping.Count == 0)
            throw new ConfigException(s.KeyOf("mapping"), "is required: { field: \"%{a} %{b}\" }");
        _mappings = new (FieldReference, DissectPattern)[mapping.Count];
        for (int i = 0; i < mapping.Count; i++)
        {
            var key = s.KeyOf("mapping") + "." + mapping[i].Key;
            if (!FieldReference.TryParse(mapping[i].Key, out var source))
                throw new ConfigException(key, $"invalid field reference '{mapping[i].Key}'");
            try
            {
                _mappings[i] = (source, DissectPattern.Parse(mapping[i].Value));
            }
            catch (ArgumentException ex)
            {
                throw new ConfigException(key, ex.Message);
            }
        }
        foreach (var (field, type) in s.StringMap("convert_datatype"))
        {
            _convert[field] = type switch
            {
                "int" or "integer" => GrokValueType.Int,
                "float" => GrokValueType.Float,
                _ => throw new ConfigException(s.KeyOf("convert_datatype") + "." + field, "must be int or float"),
            };
        }
        _separator = s.String("append_separator", " ")!;
        _failureTags = s.Has("tag_on_failure") ? s.StringList("tag_on_failure") : ["_dissectfailure"];
    }

    public FilterOutcome Apply(LogEvent e)
    {
        var values = new List<KeyValuePair<string, string>>();
        var all = new List<KeyValuePair<string, string>>();
        foreach (var (source, pattern) in _mappings)
        {
            if (e.GetString(source) is not { } text || !pattern.TryMatch(text, values, _separator))
            {
                foreach (var tag in _failureTags)
                    e.AddTag(tag);
                return FilterOutcome.Failure;
            }
            all.AddRange(values);
        }
        foreach (var (name, value) in all)
        {
            if (!FieldReference.TryParse(name, out var field))
                continue;
            e.Set(field, _convert.TryGetValue(name, out var type) ? Convert(value, type) : JsonValue.Create(value));
        }
        return FilterOutcome.Success;
    }

    private static JsonNode Convert(string value, GrokValueType type) => type switch
    {
        GrokValueType.Int when long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
        GrokValueType.Float when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) => JsonValue.Create(d),
        _ => JsonValue.Create(value),
    };
}
