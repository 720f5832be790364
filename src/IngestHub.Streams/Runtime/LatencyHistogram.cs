using System.Diagnostics;
using System.Numerics;

namespace IngestHub.Streams.Runtime;

/// <summary>
/// Latencies in power-of-two microsecond buckets (≤1 µs, ≤2 µs … ≤2²⁶ µs ≈ 67 s, then overflow). Written by the
/// owning task's thread only; readers see slightly stale but never torn values.
/// </summary>
public sealed class LatencyHistogram
{
    public const int BucketCount = 28;

    private static readonly double s_microsPerTick = 1_000_000.0 / Stopwatch.Frequency;
    private readonly long[] _counts = new long[BucketCount];
    private long _count;
    private double _sumMicros;

    /// <summary>Upper bounds of the buckets in seconds (the last bucket is +Inf).</summary>
    public static IReadOnlyList<double> UpperBoundsSeconds { get; } = [.. Enumerable.Range(0, BucketCount - 1).Select(k => Math.Pow(2, k) / 1_000_000.0)];

    public long Count => Volatile.Read(ref _count);

    public double SumSeconds => Volatile.Read(ref _sumMicros) / 1_000_000.0;

    public double MeanMilliseconds => Count == 0 ? 0 : Volatile.Read(ref _sumMicros) / Count / 1000.0;

    public void RecordTicks(long stopwatchTicks) => RecordMicros(stopwatchTicks * s_microsPerTick);

    public void RecordMicros(double micros)
    {
        long v = (long)Math.Ceiling(Math.Max(micros, 0));
        int bucket = v <= 1 ? 0 : Math.Min(BucketCount - 1, 64 - BitOperations.LeadingZeroCount((ulong)(v - 1)));
        _counts[bucket]++;
        _sumMicros += micros;
        Volatile.Write(ref _count, _count + 1);
    }

    /// <summary>Per-bucket counts (not cumulative), length <see cref="BucketCount"/>.</summary>
    public long[] Snapshot()
    {
        var copy = new long[BucketCount];
        for (int i = 0; i < BucketCount; i++)
            copy[i] = Volatile.Read(ref _counts[i]);
        return copy;
    }
}
