using System.Globalization;
using System.Text.Json.Nodes;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Events;

namespace IngestHub.Pipelines.Filters;

/// <summary>
/// Logstash date: <c>match: [field, format, ...]</c> where a format is <c>ISO8601</c>, <c>UNIX</c>,
/// <c>UNIX_MS</c> or a Joda pattern; the first that parses sets <c>target</c> (default <c>@timestamp</c>) in
/// UTC. Times without an offset are read in <c>timezone</c> (IANA id, default UTC). Formats without a year
/// take the current year, or the previous one when that would put the date more than a month ahead
/// (December lines read in January). Tags <c>_dateparsefailure</c> when nothing parses.
/// </summary>
public sealed class DateFilter : IFilter
{
    public static readonly string[] Keys = ["match", "target", "timezone", "locale", "tag_on_failure"];

    private readonly FieldReference _source;
    private readonly FieldReference _target;
    private readonly Format[] _formats;
    private readonly TimeZoneInfo _zone;
    private readonly TimeProvider _clock;
    private readonly IReadOnlyList<string> _failureTags;

    public DateFilter(SettingsReader s, TimeProvider clock)
    {
        _clock = clock;
        var match = s.StringList("match");
        if (match.Count < 2)
            throw new ConfigException(s.KeyOf("match"), "must be [field, format, ...] with at least one format");
        if (!FieldReference.TryParse(match[0], out _source))
            throw new ConfigException(s.KeyOf("match"), $"invalid field reference '{match[0]}'");
        _formats = new Format[match.Count - 1];
        for (int i = 1; i < match.Count; i++)
        {
            _formats[i - 1] = match[i] switch
            {
                "ISO8601" => new Format(FormatKind.Iso8601, null),
                "UNIX" => new Format(FormatKind.Unix, null),
                "UNIX_MS" => new Format(FormatKind.UnixMs, null),
                _ => JodaFormat.TryParse(match[i], out var joda, out var error)
                    ? new Format(FormatKind.Pattern, joda)
                    : throw new ConfigException(s.KeyOf("match"), error),
            };
        }
        _target = JsonFilter.Field(s, "target", LogEvent.TimestampField);
        var zone = s.String("timezone");
        try
        {
            _zone = zone is null ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(zone);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new ConfigException(s.KeyOf("timezone"), $"unknown time zone {zone}");
        }
        if (s.String("locale") is { } locale && !locale.StartsWith("en", StringComparison.OrdinalIgnoreCase))
            throw new ConfigException(s.KeyOf("locale"), "only English month and day names are supported");
        _failureTags = s.Has("tag_on_failure") ? s.StringList("tag_on_failure") : ["_dateparsefailure"];
    }

    public FilterOutcome Apply(LogEvent e)
    {
        var node = e.Get(_source);
        if (node is null)
            return FilterOutcome.Success;
        if (node is JsonArray { Count: > 0 } array)
            node = array[0];
        if (node is JsonValue value && TryParse(value, out var time))
        {
            if (_target.Parts is [LogEvent.TimestampField] && !_target.IsMetadata)
                e.Timestamp = time;
            else
                e.Set(_target, time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            return FilterOutcome.Success;
        }
        foreach (var tag in _failureTags)
            e.AddTag(tag);
        return FilterOutcome.Failure;
    }

    internal bool TryParse(JsonValue value, out DateTimeOffset time)
    {
        string text = value.TryGetValue(out string? s) ? s.Trim() : value.ToJsonString();
        foreach (var format in _formats)
        {
            if (format.Kind switch
            {
                FormatKind.Iso8601 => IsoTimestamp.TryParse(text, _zone, out time),
                FormatKind.Unix => TryUnix(text, 1000, out time),
                FormatKind.UnixMs => TryUnix(text, 1, out time),
                _ => TryPattern(text, format.Joda!, out time),
            })
            {
                return true;
            }
        }
        time = default;
        return false;
    }

    private static bool TryUnix(string text, double millisPerUnit, out DateTimeOffset time)
    {
        time = default;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double n) || !double.IsFinite(n))
            return false;
        double ms = Math.Round(n * millisPerUnit);
        if (ms < -62_135_596_800_000d || ms > 253_402_300_799_999d)
            return false;
        time = DateTimeOffset.FromUnixTimeMilliseconds((long)ms);
        return true;
    }

    private bool TryPattern(string text, JodaFormat joda, out DateTimeOffset time)
    {
        time = default;
        const DateTimeStyles styles = DateTimeStyles.AllowInnerWhite | DateTimeStyles.AllowWhiteSpaces;
        var culture = CultureInfo.InvariantCulture;
        if (joda.HasOffset)
        {
            var format = joda.HasYear ? joda.DotNet : "yyyy " + joda.DotNet;
            var input = joda.HasYear ? text : Year(_clock.GetUtcNow()) + " " + text;
            // Joda's Z also reads a literal Z for UTC.
            if (input.EndsWith('Z'))
                input = input[..^1] + "+00:00";
            if (!DateTimeOffset.TryParseExact(input, format, culture, styles, out time))
                return false;
            if (!joda.HasYear)
                time = (time - _clock.GetUtcNow()).TotalDays > 31 ? time.AddYears(-1) : time;
            time = time.ToUniversalTime();
            return true;
        }
        DateTime local;
        if (joda.HasYear)
        {
            if (!DateTime.TryParseExact(text, joda.DotNet, culture, styles, out local))
                return false;
        }
        else
        {
            var now = TimeZoneInfo.ConvertTime(_clock.GetUtcNow(), _zone);
            if (!DateTime.TryParseExact(Year(now) + " " + text, "yyyy " + joda.DotNet, culture, styles, out local))
                return false;
            if ((local - now.DateTime).TotalDays > 31)
                local = local.AddYears(-1);
        }
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        try
        {
            time = new DateTimeOffset(local, _zone.GetUtcOffset(local)).ToUniversalTime();
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string Year(DateTimeOffset now) => now.Year.ToString("D4", CultureInfo.InvariantCulture);

    private enum FormatKind
    {
        Iso8601,
        Unix,
        UnixMs,
        Pattern,
    }

    private readonly record struct Format(FormatKind Kind, JodaFormat? Joda);
}
