using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Events;

namespace IngestHub.Pipelines.Filters;

/// <summary>
/// Logstash mutate, in Logstash's fixed order whatever the order of keys in the config: rename, update,
/// replace, convert, gsub, uppercase, capitalize, lowercase, strip, copy; then the common add_field,
/// remove_field, add_tag, remove_tag (applied by <see cref="FilterStage"/>). Values and new names may use
/// <c>%{field}</c>. A value that does not convert is left as it was.
/// </summary>
public sealed class MutateFilter : IFilter
{
    public static readonly string[] Keys =
        ["rename", "update", "replace", "convert", "gsub", "uppercase", "capitalize", "lowercase", "strip", "copy"];

    private readonly (FieldReference From, EventFormatter To)[] _rename;
    private readonly (FieldReference Field, EventFormatter Value)[] _update;
    private readonly (FieldReference Field, EventFormatter Value)[] _replace;
    private readonly (FieldReference Field, ConvertType Type)[] _convert;
    private readonly (FieldReference Field, Regex Pattern, string Replacement)[] _gsub;
    private readonly FieldReference[] _uppercase;
    private readonly FieldReference[] _capitalize;
    private readonly FieldReference[] _lowercase;
    private readonly FieldReference[] _strip;
    private readonly (FieldReference From, FieldReference To)[] _copy;

    public MutateFilter(SettingsReader s)
    {
        _rename = Map(s, "rename", (key, from, to) => (Ref(key, from), EventFormatter.Compile(to)));
        _update = Map(s, "update", (key, f, v) => (Ref(key, f), EventFormatter.Compile(v)));
        _replace = Map(s, "replace", (key, f, v) => (Ref(key, f), EventFormatter.Compile(v)));
        _convert = Map(s, "convert", (key, f, v) => (Ref(key, f), v.ToLowerInvariant() switch
        {
            "integer" or "int" => ConvertType.Integer,
            "float" => ConvertType.Float,
            "string" => ConvertType.String,
            "boolean" or "bool" => ConvertType.Boolean,
            _ => throw new ConfigException(key, $"unknown type {v} (expected integer, float, string or boolean)"),
        }));
        _uppercase = Refs(s, "uppercase");
        _capitalize = Refs(s, "capitalize");
        _lowercase = Refs(s, "lowercase");
        _strip = Refs(s, "strip");
        _copy = Map(s, "copy", (key, from, to) => (Ref(key, from), Ref(key, to)));
        var gsub = s.StringList("gsub");
        if (gsub.Count % 3 != 0)
            throw new ConfigException(s.KeyOf("gsub"), "must be [field, pattern, replacement, ...] in threes");
        _gsub = new (FieldReference, Regex, string)[gsub.Count / 3];
        for (int i = 0; i < _gsub.Length; i++)
        {
            try
            {
                _gsub[i] = (Ref(s.KeyOf("gsub"), gsub[3 * i]), new Regex(gsub[3 * i + 1], RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)), gsub[3 * i + 2]);
            }
            catch (ArgumentException ex)
            {
                throw new ConfigException(s.KeyOf("gsub"), "invalid regular expression: " + ex.Message);
            }
        }
    }

    private static FieldReference Ref(string key, string text) =>
        FieldReference.TryParse(text, out var field) ? field : throw new ConfigException(key, $"invalid field reference '{text}'");

    private static FieldReference[] Refs(SettingsReader s, string name)
    {
        var list = s.StringList(name);
        var result = new FieldReference[list.Count];
        for (int i = 0; i < result.Length; i++)
            result[i] = Ref(s.KeyOf(name), list[i]);
        return result;
    }

    private static T[] Map<T>(SettingsReader s, string name, Func<string, string, string, T> build)
    {
        var map = s.StringMap(name);
        var result = new T[map.Count];
        for (int i = 0; i < result.Length; i++)
            result[i] = build(s.KeyOf(name) + "." + map[i].Key, map[i].Key, map[i].Value);
        return result;
    }

    public FilterOutcome Apply(LogEvent e)
    {
        foreach (var (from, to) in _rename)
        {
            if (!e.Has(from) || !FieldReference.TryParse(to.Format(e), out var target))
                continue;
            var value = e.Remove(from);
            e.Set(target, value);
        }
        foreach (var (field, value) in _update)
            if (e.Has(field))
                e.Set(field, value.Format(e));
        foreach (var (field, value) in _replace)
            e.Set(field, value.Format(e));
        foreach (var (field, type) in _convert)
            if (e.Get(field) is { } node)
                e.Set(field, Convert(node, type));
        foreach (var (field, pattern, replacement) in _gsub)
            MapStrings(e, field, text => Replace(pattern, text, replacement));
        foreach (var field in _uppercase)
            MapStrings(e, field, text => text.ToUpperInvariant());
        foreach (var field in _capitalize)
            MapStrings(e, field, text => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..].ToLowerInvariant());
        foreach (var field in _lowercase)
            MapStrings(e, field, text => text.ToLowerInvariant());
        foreach (var field in _strip)
            MapStrings(e, field, text => text.Trim());
        foreach (var (from, to) in _copy)
            if (e.Get(from) is { } node)
                e.Set(to, node.DeepClone());
        return FilterOutcome.Success;
    }

    private static string Replace(Regex pattern, string text, string replacement)
    {
        try
        {
            return pattern.Replace(text, replacement);
        }
        catch (RegexMatchTimeoutException)
        {
            return text;
        }
    }

    private static void MapStrings(LogEvent e, FieldReference field, Func<string, string> map)
    {
        switch (e.Get(field))
        {
            case JsonValue v when v.TryGetValue(out string? s):
                e.Set(field, map(s));
                break;
            case JsonArray array:
                for (int i = 0; i < array.Count; i++)
                    if (array[i] is JsonValue item && item.TryGetValue(out string? text))
                        array[i] = map(text);
                break;
        }
    }

    private static JsonNode? Convert(JsonNode node, ConvertType type)
    {
        if (node is JsonArray array)
        {
            var converted = new JsonArray();
            foreach (var item in array)
                converted.Add(item is null ? null : Convert(item, type));
            return converted;
        }
        if (node is not JsonValue value)
            return type == ConvertType.String ? node.ToJsonString() : node.DeepClone();
        var kind = value.GetValueKind();
        string text = value.TryGetValue(out string? s) ? s.Trim() : value.ToJsonString();
        switch (type)
        {
            case ConvertType.String:
                return text;
            case ConvertType.Integer:
                if (kind is JsonValueKind.True or JsonValueKind.False)
                    return kind == JsonValueKind.True ? 1 : 0;
                if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l))
                    return l;
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d) && Math.Abs(d) < 9.2e18)
                    return (long)Math.Truncate(d);
                return value.DeepClone();
            case ConvertType.Float:
                if (kind is JsonValueKind.True or JsonValueKind.False)
                    return kind == JsonValueKind.True ? 1.0 : 0.0;
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double f) && double.IsFinite(f)
                    ? f
                    : value.DeepClone();
            default:
                return text.ToLowerInvariant() switch
                {
                    "true" or "t" or "yes" or "y" or "1" or "1.0" => true,
                    "false" or "f" or "no" or "n" or "0" or "0.0" => false,
                    _ => value.DeepClone(),
                };
        }
    }

    private enum ConvertType
    {
        Integer,
        Float,
        String,
        Boolean,
    }
}
