namespace IngestHub.Connectors.Elasticsearch;

/// <summary>Exponential backoff with jitter: attempt n waits between half and all of min(max, initial·2ⁿ), so
/// many sinks throttled together do not come back in step.</summary>
internal readonly record struct Backoff(int InitialMs, int MaxMs)
{
    public TimeSpan Delay(int attempt)
    {
        double ceiling = Math.Min(MaxMs, InitialMs * Math.Pow(2, Math.Min(attempt, 30)));
        double ms = ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2;
        return TimeSpan.FromMilliseconds(ms);
    }
}
