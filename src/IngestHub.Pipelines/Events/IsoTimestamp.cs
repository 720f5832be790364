using System.Globalization;
using System.Text.RegularExpressions;

namespace IngestHub.Pipelines.Events;

/// <summary>ISO 8601 date-times as logs write them: <c>2024-05-01T12:00:00.123Z</c>, a space instead of
/// <c>T</c>, a comma before the fraction, offsets <c>+02:00</c>/<c>+0200</c>/<c>+02</c>, or no offset (then
/// <paramref name="zone"/> applies).</summary>
internal static partial class IsoTimestamp
{
    [GeneratedRegex(@"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):?(\d{2})(?::?(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool TryParse(string text, TimeZoneInfo zone, out DateTimeOffset result)
    {
        result = default;
        var m = Pattern().Match(text.Trim());
        if (!m.Success)
            return false;
        try
        {
            int year = Int(m.Groups[1]), month = Int(m.Groups[2]), day = Int(m.Groups[3]);
            int hour = m.Groups[4].Success ? Int(m.Groups[4]) : 0;
            int minute = m.Groups[5].Success ? Int(m.Groups[5]) : 0;
            int second = m.Groups[6].Success ? Int(m.Groups[6]) : 0;
            long ticks = 0;
            if (m.Groups[7].Success)
            {
                var frac = m.Groups[7].Value.PadRight(7, '0')[..7];
                ticks = long.Parse(frac, CultureInfo.InvariantCulture);
            }
            var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).AddTicks(ticks);
            TimeSpan offset;
            if (!m.Groups[8].Success)
                offset = zone.GetUtcOffset(local);
            else if (m.Groups[8].Value == "Z")
                offset = TimeSpan.Zero;
            else
                offset = ParseOffset(m.Groups[8].Value);
            result = new DateTimeOffset(local, offset).ToUniversalTime();
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static int Int(Group g) => int.Parse(g.ValueSpan, CultureInfo.InvariantCulture);

    private static TimeSpan ParseOffset(string text)
    {
        int sign = text[0] == '-' ? -1 : 1;
        var digits = text[1..].Replace(":", "", StringComparison.Ordinal);
        int hours = int.Parse(digits.AsSpan(0, 2), CultureInfo.InvariantCulture);
        int minutes = digits.Length >= 4 ? int.Parse(digits.AsSpan(2, 2), CultureInfo.InvariantCulture) : 0;
        return new TimeSpan(sign * hours, sign * minutes, 0);
    }
}
