using System.Globalization;

namespace IngestHub.Streams.Windows;

/// <summary>A window length or sliding interval: a count of tuples or a duration (Storm's
/// <c>BaseWindowedBolt.Count</c> and <c>Duration</c>).</summary>
public readonly record struct WindowSize
{
    private WindowSize(int count, TimeSpan duration)
    {
        TupleCount = count;
        Duration = duration;
    }

    public bool IsCount => TupleCount > 0;

    public int TupleCount { get; }

    public TimeSpan Duration { get; }

    public static WindowSize Count(int tuples) =>
        tuples >= 1 ? new(tuples, TimeSpan.Zero) : throw new ArgumentOutOfRangeException(nameof(tuples), tuples, "a window count must be at least 1");

    public static WindowSize Of(TimeSpan duration) =>
        duration >= TimeSpan.FromMilliseconds(1) ? new(0, duration) : throw new ArgumentOutOfRangeException(nameof(duration), duration, "a window duration must be at least 1 ms");

    public static WindowSize Seconds(int seconds) => Of(TimeSpan.FromSeconds(seconds));

    public static WindowSize Minutes(int minutes) => Of(TimeSpan.FromMinutes(minutes));

    public long Milliseconds => (long)Duration.TotalMilliseconds;

    public override string ToString() => IsCount ? TupleCount.ToString(CultureInfo.InvariantCulture) + " tuples" : Describe(Duration);

    /// <summary>"5m", "30s", "1h30m", "250ms".</summary>
    public static string Describe(TimeSpan span)
    {
        if (span.TotalMilliseconds % 1000 != 0)
            return ((long)span.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
        long s = (long)span.TotalSeconds;
        if (s % 3600 == 0)
            return (s / 3600).ToString(CultureInfo.InvariantCulture) + "h";
        if (s % 60 == 0)
            return (s / 60).ToString(CultureInfo.InvariantCulture) + "m";
        return s.ToString(CultureInfo.InvariantCulture) + "s";
    }
}
