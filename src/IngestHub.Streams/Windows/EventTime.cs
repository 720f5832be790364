using System.Globalization;

namespace IngestHub.Streams.Windows;

/// <summary>Reads an event time (epoch milliseconds) from a tuple value.</summary>
internal static class EventTime
{
    public static bool TryRead(object? value, out long epochMs)
    {
        switch (value)
        {
            case long l:
                epochMs = l;
                return true;
            case int i:
                epochMs = i;
                return true;
            case double d when !double.IsNaN(d) && !double.IsInfinity(d):
                epochMs = (long)d;
                return true;
            case DateTimeOffset dto:
                epochMs = dto.ToUnixTimeMilliseconds();
                return true;
            case DateTime dt:
                epochMs = new DateTimeOffset(dt.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(dt, DateTimeKind.Utc) : dt).ToUnixTimeMilliseconds();
                return true;
            case string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long parsed):
                epochMs = parsed;
                return true;
            case string s when DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t):
                epochMs = t.ToUnixTimeMilliseconds();
                return true;
            default:
                epochMs = 0;
                return false;
        }
    }

    /// <summary>The smallest multiple of <paramref name="slideMs"/> greater than <paramref name="ts"/>: the end of
    /// the first aligned window that contains <paramref name="ts"/> (windows are [end − length, end)).</summary>
    public static long FirstEndAfter(long ts, long slideMs) => FloorTo(ts, slideMs) + slideMs;

    public static long FloorTo(long ts, long unit)
    {
        long q = ts / unit;
        if (ts < 0 && ts % unit != 0)
            q--;
        return q * unit;
    }
}
