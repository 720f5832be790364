namespace IngestHub.Streams.Kafka;

/// <summary>
/// storm-kafka-client's exponential backoff: the first retry after <see cref="InitialDelay"/>, the n-th after
/// <see cref="DelayPeriod"/>·2ⁿ⁻¹, never more than <see cref="MaxDelay"/>; after <see cref="MaxRetries"/> retries
/// the record goes to the dead-letter topic (Storm retries forever by default, which pins the commit).
/// </summary>
public sealed class KafkaSpoutRetry
{
    public TimeSpan InitialDelay { get; set; } = TimeSpan.Zero;

    public TimeSpan DelayPeriod { get; set; } = TimeSpan.FromMilliseconds(2);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries before the record is dead-lettered (default 10).</summary>
    public int MaxRetries { get; set; } = 10;

    /// <summary>Delay before the retry that follows failure number <paramref name="failures"/> (1-based).</summary>
    public TimeSpan DelayAfter(int failures)
    {
        if (failures <= 1)
            return InitialDelay;
        double ms = DelayPeriod.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 40));
        return TimeSpan.FromMilliseconds(Math.Min(ms, MaxDelay.TotalMilliseconds));
    }
}
