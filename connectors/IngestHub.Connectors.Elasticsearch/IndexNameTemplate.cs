using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Events;

namespace IngestHub.Connectors.Elasticsearch;

/// <summary>
/// A name built per event from literal text, <c>%{+yyyy.MM.dd}</c> (the event's <c>@timestamp</c> in UTC, .NET
/// custom date format) and <c>%{field}</c> (a field or <c>@metadata</c> reference). Renders into a caller's span
/// so the hot path allocates nothing. Kept self-contained so a shared pipeline interpolation can replace it.
/// </summary>
internal sealed class IndexNameTemplate
{
    private readonly Part[] _parts;
    private readonly bool _lowercaseFields;

    private IndexNameTemplate(string pattern, Part[] parts, bool lowercaseFields)
    {
        Pattern = pattern;
        _parts = parts;
        _lowercaseFields = lowercaseFields;
        foreach (var part in parts)
            if (part.Kind != PartKind.Literal)
                IsConstant = false;
    }

    public string Pattern { get; }

    public bool IsConstant { get; } = true;

    /// <summary>The pattern with every interpolation replaced by <c>*</c> (for index template patterns).</summary>
    public string WildcardPattern
    {
        get
        {
            var builder = new System.Text.StringBuilder();
            foreach (var part in _parts)
            {
                if (part.Kind == PartKind.Literal)
                    builder.Append(part.Text);
                else if (builder.Length == 0 || builder[^1] != '*')
                    builder.Append('*');
            }
            return builder.ToString();
        }
    }

    /// <summary>Parses <paramref name="pattern"/>; errors name <paramref name="key"/>. Index names must be
    /// lowercase in Elasticsearch, so interpolated field values are lowercased when <paramref name="lowercaseFields"/>.</summary>
    public static IndexNameTemplate Parse(string pattern, string key, bool lowercaseFields)
    {
        if (string.IsNullOrEmpty(pattern))
            throw new ConfigException(key, "must not be empty");
        var parts = new List<Part>();
        int i = 0;
        while (i < pattern.Length)
        {
            int open = pattern.IndexOf("%{", i, StringComparison.Ordinal);
            if (open < 0)
            {
                parts.Add(Part.Literal(pattern[i..]));
                break;
            }
            if (open > i)
                parts.Add(Part.Literal(pattern[i..open]));
            int close = pattern.IndexOf('}', open + 2);
            if (close < 0)
                throw new ConfigException(key, $"unclosed %{{ at position {open} in {pattern}");
            string inner = pattern[(open + 2)..close];
            if (inner.Length == 0 || inner == "+")
                throw new ConfigException(key, $"empty %{{}} at position {open} in {pattern}");
            if (inner[0] == '+')
            {
                string format = inner[1..];
                try
                {
                    _ = DateTime.UnixEpoch.ToString(format, CultureInfo.InvariantCulture);
                }
                catch (FormatException e)
                {
                    throw new ConfigException(key, $"bad date format {format}: {e.Message}");
                }
                parts.Add(Part.Date(format));
            }
            else
            {
                FieldReference reference;
                try
                {
                    reference = FieldReference.Parse(inner);
                }
                catch (ArgumentException e)
                {
                    throw new ConfigException(key, e.Message);
                }
                parts.Add(Part.Field(reference));
            }
            i = close + 1;
        }
        return new IndexNameTemplate(pattern, [.. parts], lowercaseFields);
    }

    /// <summary>Renders for <paramref name="e"/>; false when a referenced field is absent or not a scalar, or
    /// the result does not fit.</summary>
    public bool TryRender(LogEvent e, Span<char> destination, out int written)
    {
        written = 0;
        DateTime? timestamp = null;
        foreach (var part in _parts)
        {
            var rest = destination[written..];
            int n;
            switch (part.Kind)
            {
                case PartKind.Literal:
                    if (!part.Text.AsSpan().TryCopyTo(rest))
                        return false;
                    n = part.Text.Length;
                    break;
                case PartKind.Date:
                    timestamp ??= e.Timestamp.UtcDateTime;
                    if (!timestamp.Value.TryFormat(rest, out n, part.Text, CultureInfo.InvariantCulture))
                        return false;
                    break;
                default:
                    if (!TryRenderField(e, part.Reference, rest, out n))
                        return false;
                    if (_lowercaseFields)
                        for (int k = 0; k < n; k++)
                            rest[k] = char.ToLowerInvariant(rest[k]);
                    break;
            }
            written += n;
        }
        return true;
    }

    /// <summary>Allocating convenience for start-up and tests.</summary>
    public string? Render(LogEvent e)
    {
        Span<char> buffer = stackalloc char[512];
        return TryRender(e, buffer, out int n) ? new string(buffer[..n]) : null;
    }

    private static bool TryRenderField(LogEvent e, FieldReference reference, Span<char> destination, out int written)
    {
        written = 0;
        JsonNode? node = reference.IsMetadata ? e.Metadata : e.Fields;
        foreach (var name in reference.Parts)
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(name, out node))
                return false;
        }
        if (node is not JsonValue value)
            return false;
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                string text = value.GetValue<string>();
                if (text.Length == 0 || !text.AsSpan().TryCopyTo(destination))
                    return false;
                written = text.Length;
                return true;
            case JsonValueKind.Number when value.TryGetValue(out long l):
                return l.TryFormat(destination, out written, default, CultureInfo.InvariantCulture);
            case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                string json = value.ToJsonString();
                if (!json.AsSpan().TryCopyTo(destination))
                    return false;
                written = json.Length;
                return true;
            default:
                return false;
        }
    }

    private enum PartKind { Literal, Date, Field }

    private readonly record struct Part(PartKind Kind, string Text, FieldReference Reference)
    {
        public static Part Literal(string text) => new(PartKind.Literal, text, default);
        public static Part Date(string format) => new(PartKind.Date, format, default);
        public static Part Field(FieldReference reference) => new(PartKind.Field, "", reference);
    }
}
