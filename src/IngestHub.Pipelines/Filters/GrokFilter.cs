using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Events;

namespace IngestHub.Pipelines.Filters;

/// <summary>
/// Logstash grok: <c>match: { field: pattern | [patterns] }</c>. Patterns are tried in order; with
/// <c>break_on_match</c> (default) the first match ends the filter. Captures into an existing field turn it
/// into an array unless the field is listed in <c>overwrite</c>. No match tags <c>_grokparsefailure</c>; a
/// match that exceeds <c>timeout_millis</c> tags <c>_groktimeout</c>.
/// </summary>
public sealed class GrokFilter : IFilter
{
    public static readonly string[] Keys =
        ["match", "pattern_definitions", "break_on_match", "overwrite", "keep_empty_captures", "tag_on_failure", "tag_on_timeout", "timeout_millis"];

    private readonly (FieldReference Field, GrokExpression[] Expressions)[] _match;
    private readonly bool _breakOnMatch;
    private readonly bool _keepEmpty;
    private readonly HashSet<string> _overwrite;
    private readonly IReadOnlyList<string> _failureTags;
    private readonly string _timeoutTag;

    public GrokFilter(SettingsReader s)
    {
        var definitions = new Dictionary<string, string>(GrokPatterns.BuiltIn, StringComparer.Ordinal);
        foreach (var (name, regex) in s.StringMap("pattern_definitions"))
        {
            if (name.Length == 0 || !IsPatternName(name))
                throw new ConfigException(s.KeyOf("pattern_definitions") + "." + name, "pattern names are letters, digits and _");
            definitions[name] = regex;
        }
        var timeout = TimeSpan.FromMilliseconds(s.Int("timeout_millis", 1000, 1, 600_000));
        _breakOnMatch = s.Bool("break_on_match", true);
        _keepEmpty = s.Bool("keep_empty_captures", false);
        _overwrite = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in s.StringList("overwrite"))
            _overwrite.Add(FieldReference.TryParse(name, out var f) ? f.ToString() : throw new ConfigException(s.KeyOf("overwrite"), $"invalid field reference '{name}'"));
        _failureTags = s.Has("tag_on_failure") ? s.StringList("tag_on_failure") : ["_grokparsefailure"];
        _timeoutTag = s.String("tag_on_timeout", "_groktimeout")!;

        if (s.Settings["match"] is not JsonObject match || match.Count == 0)
            throw new ConfigException(s.KeyOf("match"), "is required: { field: pattern } or { field: [patterns] }");
        var list = new List<(FieldReference, GrokExpression[])>();
        foreach (var (fieldName, node) in match)
        {
            var key = s.KeyOf("match") + "." + fieldName;
            if (!FieldReference.TryParse(fieldName, out var field))
                throw new ConfigException(key, $"invalid field reference '{fieldName}'");
            var patterns = new List<string>();
            switch (node)
            {
                case JsonValue v when v.TryGetValue(out string? one):
                    patterns.Add(one);
                    break;
                case JsonArray array:
                    foreach (var item in array)
                        patterns.Add(item is JsonValue iv && iv.TryGetValue(out string? p) ? p : throw new ConfigException(key, "patterns must be strings"));
                    break;
                default:
                    throw new ConfigException(key, "must be a pattern or a list of patterns");
            }
            if (patterns.Count == 0)
                throw new ConfigException(key, "needs at least one pattern");
            var expressions = new GrokExpression[patterns.Count];
            for (int i = 0; i < patterns.Count; i++)
            {
                try
                {
                    expressions[i] = GrokExpression.Compile(patterns[i], definitions, timeout);
                }
                catch (ArgumentException ex)
                {
                    throw new ConfigException(key, ex.Message);
                }
            }
            list.Add((field, expressions));
        }
        _match = [.. list];
    }

    private static bool IsPatternName(string name)
    {
        foreach (var c in name)
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
                return false;
        return true;
    }

    public FilterOutcome Apply(LogEvent e)
    {
        bool matched = false;
        foreach (var (field, expressions) in _match)
        {
            var text = e.Get(field) switch
            {
                null => null,
                JsonValue v when v.TryGetValue(out string? s) => s,
                var other => EventFormatter.ValueText(other),
            };
            if (text is null)
                continue;
            foreach (var expression in expressions)
            {
                Match m;
                try
                {
                    m = expression.Regex.Match(text);
                }
                catch (RegexMatchTimeoutException)
                {
                    e.AddTag(_timeoutTag);
                    return FilterOutcome.Failure;
                }
                if (!m.Success)
                    continue;
                matched = true;
                Capture(e, expression, m);
                if (_breakOnMatch)
                    return FilterOutcome.Success;
            }
        }
        if (matched)
            return FilterOutcome.Success;
        foreach (var tag in _failureTags)
            e.AddTag(tag);
        return FilterOutcome.Failure;
    }

    private void Capture(LogEvent e, GrokExpression expression, Match m)
    {
        var captures = expression.Captures;
        for (int i = 0; i < captures.Count; i++)
        {
            var capture = captures[i];
            var group = m.Groups[capture.GroupName];
            if (!group.Success || (group.Length == 0 && !_keepEmpty))
                continue;
            // The same field captured by an earlier group of this match keeps the first value.
            bool seen = false;
            for (int j = 0; j < i && !seen; j++)
                seen = captures[j].Field == capture.Field && m.Groups[captures[j].GroupName] is { Success: true } g && (g.Length > 0 || _keepEmpty);
            if (seen)
                continue;
            JsonNode value = Convert(group.Value, capture.Type);
            var existing = e.Get(capture.Field);
            if (existing is null || _overwrite.Contains(capture.Field.ToString()))
                e.Set(capture.Field, value);
            else if (existing is JsonArray array)
                array.Add(value);
            else
                e.Set(capture.Field, new JsonArray(existing.DeepClone(), value));
        }
    }

    private static JsonNode Convert(string text, GrokValueType type)
    {
        switch (type)
        {
            case GrokValueType.Int:
                if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l))
                    return JsonValue.Create(l);
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d))
                    return JsonValue.Create((long)d);
                return JsonValue.Create(text);
            case GrokValueType.Float:
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double f) && double.IsFinite(f)
                    ? JsonValue.Create(f)
                    : JsonValue.Create(text);
            default:
                return JsonValue.Create(text);
        }
    }
}
