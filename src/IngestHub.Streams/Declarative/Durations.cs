using System.Globalization;
using System.Text.RegularExpressions;
using IngestHub.Pipelines.Configuration;

namespace IngestHub.Streams.Declarative;

/// <summary>Durations written as <c>250ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>, <c>1d</c> or combined (<c>1m30s</c>).</summary>
internal static partial class Durations
{
    [GeneratedRegex(@"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static TimeSpan? Read(SettingsReader s, string name, TimeSpan? defaultValue = null, TimeSpan? min = null)
    {
        var text = s.String(name);
        if (text is null)
            return defaultValue;
        var m = Pattern().Match(text.Trim());
        if (text.Length == 0 || !m.Success || m.Length == 0)
            throw new ConfigException(s.KeyOf(name), $"must be a duration like 30s, 5m or 1h, got '{text}'");
        long Part(int g) => m.Groups[g].Success ? long.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture) : 0;
        var value = TimeSpan.FromDays(Part(1)) + TimeSpan.FromHours(Part(2)) + TimeSpan.FromMinutes(Part(3)) + TimeSpan.FromSeconds(Part(4)) + TimeSpan.FromMilliseconds(Part(5));
        if (min is { } least && value < least)
            throw new ConfigException(s.KeyOf(name), $"must be at least {Windows.WindowSize.Describe(least)}, got '{text}'");
        return value;
    }
}
