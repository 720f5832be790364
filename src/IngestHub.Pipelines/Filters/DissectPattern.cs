using System.Text;

namespace IngestHub.Pipelines.Filters;

/// <summary>
/// A dissect mapping: delimiters between <c>%{key}</c> fields. Modifiers: <c>%{+key}</c> appends to key
/// (<c>%{+key/2}</c> orders the parts), <c>%{}</c> and <c>%{?key}</c> skip, <c>%{&amp;key}</c> names the field by
/// the value of the skipped <c>%{?key}</c>, and a trailing <c>-&gt;</c> skips repeated delimiters (padding).
/// Each field takes the text up to the first occurrence of the delimiter that follows it; the last field
/// takes the rest of the line.
/// </summary>
public sealed class DissectPattern
{
    private DissectPattern(string pattern, string prefix, DissectField[] fields)
    {
        Pattern = pattern;
        Prefix = prefix;
        Fields = fields;
    }

    public string Pattern { get; }

    public string Prefix { get; }

    internal DissectField[] Fields { get; }

    /// <summary>Parses a mapping; <see cref="ArgumentException"/> explains what is wrong.</summary>
    public static DissectPattern Parse(string pattern)
    {
        var fields = new List<DissectField>();
        string prefix = "";
        int pos = 0;
        while (pos <= pattern.Length)
        {
            int start = pattern.IndexOf("%{", pos, StringComparison.Ordinal);
            string literal = start < 0 ? pattern[pos..] : pattern[pos..start];
            if (fields.Count == 0)
                prefix = literal;
            else
                fields[^1] = fields[^1] with { Delimiter = literal };
            if (start < 0)
                break;
            if (fields.Count > 0 && literal.Length == 0)
                throw new ArgumentException($"fields {fields[^1].Raw} and the next one need a delimiter between them");
            int end = pattern.IndexOf('}', start + 2);
            if (end < 0)
                throw new ArgumentException($"unterminated %{{ at position {start}");
            fields.Add(ParseField(pattern[(start + 2)..end], pattern[start..(end + 1)]));
            pos = end + 1;
        }
        if (fields.Count == 0)
            throw new ArgumentException("has no %{field}");
        return new DissectPattern(pattern, prefix, [.. fields]);
    }

    private static DissectField ParseField(string inner, string raw)
    {
        bool padded = inner.EndsWith("->", StringComparison.Ordinal);
        if (padded)
            inner = inner[..^2];
        var kind = DissectFieldKind.Normal;
        if (inner.Length == 0)
            kind = DissectFieldKind.Skip;
        else if (inner[0] is '+' or '?' or '*' or '&')
        {
            kind = inner[0] switch
            {
                '+' => DissectFieldKind.Append,
                '&' => DissectFieldKind.Reference,
                _ => DissectFieldKind.NamedSkip,
            };
            inner = inner[1..];
        }
        int ordinal = 0;
        int slash = inner.LastIndexOf('/');
        if (kind == DissectFieldKind.Append && slash > 0 && int.TryParse(inner.AsSpan(slash + 1), out ordinal))
            inner = inner[..slash];
        if (kind != DissectFieldKind.Skip && inner.Length == 0)
            throw new ArgumentException($"{raw} has no name");
        return new DissectField(inner, kind, padded, ordinal, "", raw);
    }

    /// <summary>Splits <paramref name="text"/>; false when a delimiter is missing.</summary>
    public bool TryMatch(string text, List<KeyValuePair<string, string>> output, string appendSeparator)
    {
        output.Clear();
        if (!text.StartsWith(Prefix, StringComparison.Ordinal))
            return false;
        int pos = Prefix.Length;
        Dictionary<string, string>? skipped = null;
        Dictionary<string, List<(int Ordinal, int Order, string Value)>>? appends = null;
        for (int i = 0; i < Fields.Length; i++)
        {
            var field = Fields[i];
            string value;
            if (field.Delimiter.Length == 0)
            {
                value = text[pos..];
                pos = text.Length;
            }
            else
            {
                int at = text.IndexOf(field.Delimiter, pos, StringComparison.Ordinal);
                if (at < 0)
                    return false;
                value = text[pos..at];
                pos = at + field.Delimiter.Length;
                if (field.Padded)
                    while (pos + field.Delimiter.Length <= text.Length && string.CompareOrdinal(text, pos, field.Delimiter, 0, field.Delimiter.Length) == 0)
                        pos += field.Delimiter.Length;
            }
            switch (field.Kind)
            {
                case DissectFieldKind.Normal:
                    output.Add(new(field.Name, value));
                    break;
                case DissectFieldKind.NamedSkip:
                    (skipped ??= new(StringComparer.Ordinal))[field.Name] = value;
                    break;
                case DissectFieldKind.Reference:
                    if (skipped is not null && skipped.TryGetValue(field.Name, out var name) && name.Length > 0)
                        output.Add(new(name, value));
                    break;
                case DissectFieldKind.Append:
                    appends ??= new(StringComparer.Ordinal);
                    if (!appends.TryGetValue(field.Name, out var parts))
                        appends[field.Name] = parts = [];
                    parts.Add((field.Ordinal, i, value));
                    break;
            }
        }
        if (appends is not null)
            Join(output, appends, appendSeparator);
        return true;
    }

    // A plain %{ts} followed by %{+ts} starts the appended value.
    private static void Join(List<KeyValuePair<string, string>> output, Dictionary<string, List<(int Ordinal, int Order, string Value)>> appends, string separator)
    {
        foreach (var (name, parts) in appends)
        {
            int existing = output.FindIndex(kv => kv.Key == name);
            parts.Sort((a, b) => a.Ordinal != b.Ordinal ? a.Ordinal.CompareTo(b.Ordinal) : a.Order.CompareTo(b.Order));
            var sb = new StringBuilder();
            if (existing >= 0)
                sb.Append(output[existing].Value);
            foreach (var part in parts)
            {
                if (sb.Length > 0)
                    sb.Append(separator);
                sb.Append(part.Value);
            }
            if (existing >= 0)
                output[existing] = new(name, sb.ToString());
            else
                output.Add(new(name, sb.ToString()));
        }
    }
}

internal enum DissectFieldKind
{
    Normal,
    Skip,
    NamedSkip,
    Reference,
    Append,
}

internal readonly record struct DissectField(string Name, DissectFieldKind Kind, bool Padded, int Ordinal, string Delimiter, string Raw);
