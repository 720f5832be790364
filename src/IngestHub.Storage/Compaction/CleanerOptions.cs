namespace IngestHub.Storage.Compaction;

/// <summary>Broker-wide cleaner settings, named after Kafka's <c>log.cleaner.*</c> configs.</summary>
public sealed record CleanerOptions
{
    /// <summary><c>log.cleaner.enable</c>.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary><c>log.cleaner.dedupe.buffer.size</c>: memory for the key → offset map of one clean (default 32 MiB,
    /// about 700,000 keys); a log with more distinct dirty keys is cleaned in several passes.</summary>
    public long DedupeBufferSize { get; init; } = 32L * 1024 * 1024;

    /// <summary><c>log.cleaner.io.max.bytes.per.second</c>: read plus write rate of the cleaner (default unlimited).</summary>
    public double IoMaxBytesPerSecond { get; init; } = double.MaxValue;

    /// <summary><c>log.cleaner.backoff.ms</c>: pause between passes when no log needs cleaning (default 15 s).</summary>
    public long BackoffMs { get; init; } = 15_000;

    /// <summary>Bytes read from a segment at a time (also the largest write before the cleaned segment is appended to).</summary>
    public int IoBufferSize { get; init; } = 1024 * 1024;
}
