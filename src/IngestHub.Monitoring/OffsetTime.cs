namespace IngestHub.Monitoring;

/// <summary>A partition's log end offset at one instant: the points the time-lag estimate interpolates between.</summary>
public readonly record struct OffsetTime(long TimestampMs, long Offset);
