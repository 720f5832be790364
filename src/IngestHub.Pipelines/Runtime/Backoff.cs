namespace IngestHub.Pipelines.Runtime;

/// <summary>Exponential backoff with full jitter, capped: attempt n waits a random time in
/// [initial·2ⁿ/2, initial·2ⁿ], never more than the cap.</summary>
public static class Backoff
{
    public static TimeSpan Delay(int attempt, int initialMs, int maxMs)
    {
        double ceiling = Math.Min(maxMs, initialMs * Math.Pow(2, Math.Min(attempt, 30)));
        double ms = ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2;
        return TimeSpan.FromMilliseconds(ms);
    }
}
