namespace IngestHub.Monitoring;

/// <summary>Totals at one instant: records (sum of log end offsets) and bytes on disk, or connector event counters.</summary>
public readonly record struct ThroughputSample(long TimestampMs, long Records, long Bytes);
