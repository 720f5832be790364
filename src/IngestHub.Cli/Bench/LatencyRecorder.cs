using System.Diagnostics;

namespace IngestHub.Cli.Bench;

/// <summary>Collects latency samples (Stopwatch ticks) into a preallocated array from any thread; percentiles
/// come from sorting once at the end, so they are exact rather than bucketed.</summary>
public sealed class LatencyRecorder
{
    private readonly long[] _samples;
    private int _count;

    public LatencyRecorder(long capacity)
    {
        _samples = new long[Math.Clamp(capacity, 1, 50_000_000)];
    }

    public int Count => Math.Min(Volatile.Read(ref _count), _samples.Length);

    public void Record(long elapsedTicks)
    {
        int index = Interlocked.Increment(ref _count) - 1;
        if (index < _samples.Length)
            _samples[index] = elapsedTicks;
    }

    /// <summary>p50, p99, p99.9 and max in milliseconds, or null without samples.</summary>
    public LatencySummary? Summarize()
    {
        int count = Count;
        if (count == 0)
            return null;
        var sorted = _samples.AsSpan(0, count);
        sorted.Sort();
        return new LatencySummary(ToMs(At(sorted, 0.50)), ToMs(At(sorted, 0.99)), ToMs(At(sorted, 0.999)), ToMs(sorted[^1]), count);
    }

    private static long At(Span<long> sorted, double quantile) =>
        sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static double ToMs(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
