using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace IngestHub.Pipelines.Events;

/// <summary>
/// A compiled Logstash-style template: <c>%{field}</c> / <c>%{[a][b]}</c> insert a field's value (objects as
/// JSON, arrays comma-joined), <c>%{+yyyy.MM.dd}</c> formats <c>@timestamp</c> in UTC with a Joda pattern,
/// <c>%{+%s}</c> gives epoch seconds. A missing field leaves the reference as written, as Logstash does.
/// Formatting never throws.
/// </summary>
public sealed class EventFormatter
{
    private readonly Segment[] _segments;

    private EventFormatter(string template, Segment[] segments)
    {
        Template = template;
        _segments = segments;
    }

    public string Template { get; }

    /// <summary>True when the template has no references (the value is <see cref="Template"/>).</summary>
    public bool IsConstant => _segments.Length == 0 || (_segments.Length == 1 && _segments[0].Kind == SegmentKind.Literal);

    public static EventFormatter Compile(string template)
    {
        var segments = new List<Segment>();
        int pos = 0;
        var literal = new StringBuilder();
        while (pos < template.Length)
        {
            int start = template.IndexOf("%{", pos, StringComparison.Ordinal);
            int end = start < 0 ? -1 : template.IndexOf('}', start + 2);
            if (start < 0 || end < 0)
            {
                literal.Append(template, pos, template.Length - pos);
                break;
            }
            literal.Append(template, pos, start - pos);
            var inner = template[(start + 2)..end];
            var raw = template[start..(end + 1)];
            Segment? segment = null;
            if (inner == "+%s")
                segment = new Segment(SegmentKind.EpochSeconds, raw, default, null);
            else if (inner.StartsWith('+') && JodaFormat.TryParse(inner[1..], out var joda, out _))
                segment = new Segment(SegmentKind.Date, raw, default, joda.DotNet);
            else if (FieldReference.TryParse(inner, out var field))
                segment = new Segment(SegmentKind.Field, raw, field, null);
            if (segment is null)
            {
                literal.Append(raw);
            }
            else
            {
                if (literal.Length > 0)
                {
                    segments.Add(new Segment(SegmentKind.Literal, literal.ToString(), default, null));
                    literal.Clear();
                }
                segments.Add(segment.Value);
            }
            pos = end + 1;
        }
        if (literal.Length > 0)
            segments.Add(new Segment(SegmentKind.Literal, literal.ToString(), default, null));
        return new EventFormatter(template, [.. segments]);
    }

    /// <summary>Compiles and formats once (for one-off use; compile once on hot paths).</summary>
    public static string Format(string template, LogEvent e) => Compile(template).Format(e);

    public string Format(LogEvent e)
    {
        if (_segments.Length == 0)
            return "";
        if (_segments.Length == 1)
            return Render(_segments[0], e);
        var sb = new StringBuilder();
        foreach (var segment in _segments)
            sb.Append(Render(segment, e));
        return sb.ToString();
    }

    private static string Render(in Segment segment, LogEvent e)
    {
        switch (segment.Kind)
        {
            case SegmentKind.Literal:
                return segment.Text;
            case SegmentKind.Field:
                return e.Get(segment.Field) is { } node ? ValueText(node) : segment.Text;
            case SegmentKind.EpochSeconds:
                return e.Timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            default:
                try
                {
                    return e.Timestamp.UtcDateTime.ToString(segment.DateFormat, CultureInfo.InvariantCulture);
                }
                catch (FormatException)
                {
                    return segment.Text;
                }
        }
    }

    /// <summary>How a field value reads inside a string.</summary>
    public static string ValueText(JsonNode node)
    {
        switch (node)
        {
            case JsonValue v when v.TryGetValue(out string? s):
                return s;
            case JsonArray array:
                var sb = new StringBuilder();
                for (int i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                        sb.Append(',');
                    if (array[i] is { } item)
                        sb.Append(ValueText(item));
                }
                return sb.ToString();
            default:
                return node.ToJsonString();
        }
    }

    private enum SegmentKind
    {
        Literal,
        Field,
        Date,
        EpochSeconds,
    }

    private readonly record struct Segment(SegmentKind Kind, string Text, FieldReference Field, string? DateFormat);
}
