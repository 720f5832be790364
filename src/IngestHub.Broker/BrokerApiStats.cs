namespace IngestHub.Broker;

/// <summary>Running totals for one API key: requests, errors, summed duration and latency bucket counts
/// (non-cumulative; bucket i counts durations at or below <see cref="BrokerMetrics.DurationBuckets"/>[i]).</summary>
public sealed class BrokerApiStats(string name, int buckets)
{
    private readonly long[] _buckets = new long[buckets];
    private long _requests;
    private long _errors;
    private long _durationMicros;

    public string Name { get; } = name;
    public long Requests => Interlocked.Read(ref _requests);
    public long Errors => Interlocked.Read(ref _errors);
    public double DurationSeconds => Interlocked.Read(ref _durationMicros) / 1e6;

    /// <summary>A copy of the per-bucket counts (the last is above the largest bound).</summary>
    public long[] BucketCounts()
    {
        var copy = new long[_buckets.Length];
        for (int i = 0; i < copy.Length; i++)
            copy[i] = Interlocked.Read(ref _buckets[i]);
        return copy;
    }

    internal void Record(double seconds, bool error)
    {
        var bounds = BrokerMetrics.DurationBuckets;
        int bucket = bounds.Length;
        for (int i = 0; i < bounds.Length; i++)
        {
            if (seconds <= bounds[i])
            {
                bucket = i;
                break;
            }
        }
        Interlocked.Increment(ref _buckets[bucket]);
        Interlocked.Add(ref _durationMicros, (long)(seconds * 1e6));
        if (error)
            Interlocked.Increment(ref _errors);
        Interlocked.Increment(ref _requests);
    }
}
