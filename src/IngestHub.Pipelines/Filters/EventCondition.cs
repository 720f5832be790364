using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Events;

namespace IngestHub.Pipelines.Filters;

/// <summary>
/// The <c>if:</c> of a filter: <c>{ field: f, equals: v }</c>, <c>not_equals</c>, <c>regex</c>, <c>exists:
/// true|false</c>, <c>in: [..]</c>, <c>contains</c> (array element or substring); <c>all: [..]</c>,
/// <c>any: [..]</c> and <c>not: {..}</c> combine conditions. A missing field equals nothing, so
/// <c>not_equals</c> holds for it.
/// </summary>
public abstract class EventCondition
{
    private static readonly string[] Operators = ["equals", "not_equals", "regex", "exists", "in", "contains"];

    public abstract bool Evaluate(LogEvent e);

    public static EventCondition Parse(JsonNode? node, string key)
    {
        if (node is not JsonObject obj)
            throw new ConfigException(key, "must be an object such as { field: level, equals: debug }");
        var s = new SettingsReader(obj, key);
        if (obj.ContainsKey("all") || obj.ContainsKey("any"))
        {
            bool all = obj.ContainsKey("all");
            s.RejectUnknownKeys(all ? "all" : "any");
            var name = all ? "all" : "any";
            if (obj[name] is not JsonArray items || items.Count == 0)
                throw new ConfigException(s.KeyOf(name), "must be a non-empty list of conditions");
            var parts = new EventCondition[items.Count];
            for (int i = 0; i < items.Count; i++)
                parts[i] = Parse(items[i], $"{s.KeyOf(name)}[{i}]");
            return new Combined(parts, all);
        }
        if (obj.ContainsKey("not"))
        {
            s.RejectUnknownKeys("not");
            return new Negated(Parse(obj["not"], s.KeyOf("not")));
        }
        s.RejectUnknownKeys("field", "equals", "not_equals", "regex", "exists", "in", "contains");
        var fieldText = s.RequiredString("field");
        if (!FieldReference.TryParse(fieldText, out var field))
            throw new ConfigException(s.KeyOf("field"), $"invalid field reference {fieldText}");
        string? op = null;
        foreach (var candidate in Operators)
        {
            if (!obj.ContainsKey(candidate))
                continue;
            if (op is not null)
                throw new ConfigException(s.KeyOf(candidate), $"cannot be combined with {op}; use all: [..]");
            op = candidate;
        }
        switch (op)
        {
            case "equals":
                return new Compare(field, obj["equals"]?.DeepClone(), negate: false);
            case "not_equals":
                return new Compare(field, obj["not_equals"]?.DeepClone(), negate: true);
            case "regex":
                var pattern = s.RequiredString("regex");
                try
                {
                    return new Matches(field, new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));
                }
                catch (ArgumentException ex)
                {
                    throw new ConfigException(s.KeyOf("regex"), "invalid regular expression: " + ex.Message);
                }
            case "exists":
                return new Exists(field, s.Bool("exists", true));
            case "in":
                if (obj["in"] is not JsonArray values)
                    throw new ConfigException(s.KeyOf("in"), "must be a list of values");
                var list = new JsonNode?[values.Count];
                for (int i = 0; i < values.Count; i++)
                    list[i] = values[i]?.DeepClone();
                return new In(field, list);
            case "contains":
                return new Contains(field, s.RequiredString("contains"));
            default:
                throw new ConfigException(key, "needs one of equals, not_equals, regex, exists, in, contains");
        }
    }

    /// <summary>JSON-aware equality: numbers compare numerically, other scalars by their text.</summary>
    internal static bool ValueEquals(JsonNode? a, JsonNode? b)
    {
        if (a is null || b is null)
            return a is null && b is null;
        if (a is JsonValue va && b is JsonValue vb)
        {
            if (va.GetValueKind() == JsonValueKind.Number && vb.GetValueKind() == JsonValueKind.Number)
                return double.Parse(va.ToJsonString(), CultureInfo.InvariantCulture) == double.Parse(vb.ToJsonString(), CultureInfo.InvariantCulture);
            return EventFormatter.ValueText(va) == EventFormatter.ValueText(vb);
        }
        return JsonNode.DeepEquals(a, b);
    }

    private sealed class Compare(FieldReference field, JsonNode? expected, bool negate) : EventCondition
    {
        public override bool Evaluate(LogEvent e)
        {
            var actual = e.Get(field);
            bool equal = actual is not null && ValueEquals(actual, expected);
            return equal != negate;
        }
    }

    private sealed class Matches(FieldReference field, Regex regex) : EventCondition
    {
        public override bool Evaluate(LogEvent e)
        {
            if (e.Get(field) is not { } node)
                return false;
            try
            {
                return regex.IsMatch(EventFormatter.ValueText(node));
            }
            catch (RegexMatchTimeoutException)
            {
                return false;
            }
        }
    }

    private sealed class Exists(FieldReference field, bool expected) : EventCondition
    {
        public override bool Evaluate(LogEvent e) => e.Has(field) == expected;
    }

    private sealed class In(FieldReference field, JsonNode?[] values) : EventCondition
    {
        public override bool Evaluate(LogEvent e)
        {
            if (e.Get(field) is not { } actual)
                return false;
            foreach (var v in values)
                if (ValueEquals(actual, v))
                    return true;
            return false;
        }
    }

    private sealed class Contains(FieldReference field, string needle) : EventCondition
    {
        public override bool Evaluate(LogEvent e)
        {
            switch (e.Get(field))
            {
                case JsonArray array:
                    foreach (var item in array)
                        if (item is not null && EventFormatter.ValueText(item) == needle)
                            return true;
                    return false;
                case { } node:
                    return EventFormatter.ValueText(node).Contains(needle, StringComparison.Ordinal);
                default:
                    return false;
            }
        }
    }

    private sealed class Combined(EventCondition[] parts, bool all) : EventCondition
    {
        public override bool Evaluate(LogEvent e)
        {
            foreach (var part in parts)
            {
                if (part.Evaluate(e) != all)
                    return !all;
            }
            return all;
        }
    }

    private sealed class Negated(EventCondition inner) : EventCondition
    {
        public override bool Evaluate(LogEvent e) => !inner.Evaluate(e);
    }
}
