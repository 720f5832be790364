using System.Globalization;
using System.Text;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Events;

namespace IngestHub.Connectors.Redis;

/// <summary>
/// A key such as <c>logs-%{service}-%{+yyyy.MM.dd}</c>: <c>%{ref}</c> is replaced by the event's field (or
/// <c>@metadata</c> field) as text, <c>%{+format}</c> by <c>@timestamp</c> in UTC formatted with a .NET date
/// format. A missing field stays as written, as Logstash does, so a misrouted event is visible in Redis.
/// </summary>
internal sealed class RedisKeyTemplate
{
    private readonly Part[] _parts;

    private RedisKeyTemplate(string source, Part[] parts)
    {
        Source = source;
        _parts = parts;
    }

    public string Source { get; }

    public bool IsConstant => _parts.Length == 1 && _parts[0].Kind == PartKind.Literal;

    public static RedisKeyTemplate Parse(string template, string settingKey)
    {
        var parts = new List<Part>();
        int position = 0;
        while (position < template.Length)
        {
            int open = template.IndexOf("%{", position, StringComparison.Ordinal);
            if (open < 0)
            {
                parts.Add(new Part(PartKind.Literal, template[position..]));
                break;
            }
            if (open > position)
                parts.Add(new Part(PartKind.Literal, template[position..open]));
            int close = template.IndexOf('}', open + 2);
            // A field reference [a][b] contains no '}', so the first one closes the placeholder.
            if (close < 0)
                throw new ConfigException(settingKey, $"unclosed %{{ in {template}");
            var inner = template[(open + 2)..close];
            if (inner.StartsWith('+'))
            {
                if (inner.Length == 1)
                    throw new ConfigException(settingKey, $"empty date format in {template}");
                parts.Add(new Part(PartKind.Date, inner[1..]));
            }
            else
            {
                try
                {
                    FieldReference.Parse(inner);
                }
                catch (ArgumentException e)
                {
                    throw new ConfigException(settingKey, e.Message);
                }
                parts.Add(new Part(PartKind.Field, inner));
            }
            position = close + 1;
        }
        if (parts.Count == 0)
            throw new ConfigException(settingKey, "must not be empty");
        return new RedisKeyTemplate(template, [.. parts]);
    }

    public string Render(LogEvent logEvent)
    {
        if (IsConstant)
            return _parts[0].Text;
        var builder = new StringBuilder();
        foreach (var part in _parts)
        {
            switch (part.Kind)
            {
                case PartKind.Literal:
                    builder.Append(part.Text);
                    break;
                case PartKind.Date:
                    builder.Append(logEvent.Timestamp.UtcDateTime.ToString(part.Text, CultureInfo.InvariantCulture));
                    break;
                default:
                    builder.Append(logEvent.GetString(part.Text) ?? "%{" + part.Text + "}");
                    break;
            }
        }
        return builder.ToString();
    }

    public override string ToString() => Source;

    private enum PartKind : byte { Literal, Field, Date }

    private readonly record struct Part(PartKind Kind, string Text);
}
