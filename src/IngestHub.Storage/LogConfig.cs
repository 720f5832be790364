namespace IngestHub.Storage;

/// <summary>Per-partition log settings. Property docs give the Kafka topic config each one mirrors.</summary>
public sealed record LogConfig
{
    public const long OneGiB = 1L << 30;
    public const long SevenDaysMs = 7L * 24 * 60 * 60 * 1000;

    /// <summary><c>segment.bytes</c>: roll the active segment before it would exceed this size (default 1 GiB).</summary>
    public int SegmentBytes { get; init; } = (int)OneGiB;

    /// <summary><c>segment.ms</c>: roll the active segment once its first batch is this old (default 7 days).</summary>
    public long SegmentMs { get; init; } = SevenDaysMs;

    /// <summary><c>index.interval.bytes</c>: bytes between sparse offset-index entries (default 4096).</summary>
    public int IndexIntervalBytes { get; init; } = 4096;

    /// <summary><c>retention.ms</c>: delete closed segments whose largest timestamp is older (default 7 days; -1 keeps forever).</summary>
    public long RetentionMs { get; init; } = SevenDaysMs;

    /// <summary><c>retention.bytes</c>: delete oldest closed segments while the log is larger (default -1, unlimited).</summary>
    public long RetentionBytes { get; init; } = -1;

    /// <summary><c>max.message.bytes</c>: largest record batch accepted (default 1048588, as Kafka).</summary>
    public int MaxMessageBytes { get; init; } = 1048588;

    /// <summary><c>flush.messages</c>: fsync after this many appended records (default: never, leave it to the OS).</summary>
    public long FlushMessages { get; init; } = long.MaxValue;

    /// <summary><c>flush.ms</c>: fsync when the last flush is this old (default: never, leave it to the OS).</summary>
    public long FlushMs { get; init; } = long.MaxValue;

    /// <summary>IngestHub setting (no Kafka equivalent): every append returns only after its bytes are fsynced.</summary>
    public bool FsyncBeforeAcknowledge { get; init; }

    /// <summary><c>message.timestamp.type</c>: keep producer timestamps (CreateTime) or stamp the broker's clock (LogAppendTime).</summary>
    public TimestampType MessageTimestampType { get; init; } = TimestampType.CreateTime;

    /// <summary><c>cleanup.policy</c> contains <c>compact</c>: the cleaner keeps the latest record per key, and records
    /// without a key are refused on append.</summary>
    public bool Compact { get; init; }

    /// <summary><c>cleanup.policy</c> contains <c>delete</c> (the default): retention.ms and retention.bytes delete old
    /// segments. A topic with only <c>compact</c> keeps every segment the cleaner leaves.</summary>
    public bool Delete { get; init; } = true;

    /// <summary><c>min.cleanable.dirty.ratio</c>: clean once the uncleaned part exceeds this share of the log (default 0.5).</summary>
    public double MinCleanableDirtyRatio { get; init; } = 0.5;

    /// <summary><c>min.compaction.lag.ms</c>: a record stays uncompacted at least this long (default 0).</summary>
    public long MinCompactionLagMs { get; init; }

    /// <summary><c>max.compaction.lag.ms</c>: a record older than this is compacted even below the dirty ratio (default: never forced).</summary>
    public long MaxCompactionLagMs { get; init; } = long.MaxValue;

    /// <summary><c>delete.retention.ms</c>: a tombstone (null value) stays this long after the cleaner first saw it (default 1 day).</summary>
    public long DeleteRetentionMs { get; init; } = 24L * 60 * 60 * 1000;

    /// <summary>Sets <see cref="Compact"/> and <see cref="Delete"/> from a <c>cleanup.policy</c> value
    /// ("delete", "compact", "compact,delete"; an empty list means neither).</summary>
    public LogConfig WithCleanupPolicy(string policy)
    {
        bool compact = false, delete = false;
        foreach (var part in policy.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            compact |= part.Equals("compact", StringComparison.OrdinalIgnoreCase);
            delete |= part.Equals("delete", StringComparison.OrdinalIgnoreCase);
        }
        return this with { Compact = compact, Delete = delete };
    }

    /// <summary>Throws when a setting is outside what the log can honour.</summary>
    public void Validate()
    {
        if (SegmentBytes < 1024)
            throw new ArgumentOutOfRangeException(nameof(SegmentBytes), SegmentBytes, "segment.bytes must be at least 1024");
        if (SegmentMs <= 0)
            throw new ArgumentOutOfRangeException(nameof(SegmentMs), SegmentMs, "segment.ms must be positive");
        if (IndexIntervalBytes < 0)
            throw new ArgumentOutOfRangeException(nameof(IndexIntervalBytes), IndexIntervalBytes, "index.interval.bytes must not be negative");
        if (MaxMessageBytes < 64)
            throw new ArgumentOutOfRangeException(nameof(MaxMessageBytes), MaxMessageBytes, "max.message.bytes too small");
        if (FlushMessages < 1 || FlushMs < 0)
            throw new ArgumentOutOfRangeException(nameof(FlushMessages), "flush.messages must be >= 1 and flush.ms >= 0");
        if (MinCleanableDirtyRatio is < 0 or > 1 || double.IsNaN(MinCleanableDirtyRatio))
            throw new ArgumentOutOfRangeException(nameof(MinCleanableDirtyRatio), MinCleanableDirtyRatio, "min.cleanable.dirty.ratio must be between 0 and 1");
        if (MinCompactionLagMs < 0 || MaxCompactionLagMs < 1 || DeleteRetentionMs < 0)
            throw new ArgumentOutOfRangeException(nameof(MinCompactionLagMs), "min.compaction.lag.ms and delete.retention.ms must be >= 0, max.compaction.lag.ms >= 1");
    }
}
