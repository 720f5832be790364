namespace IngestHub.Server.Monitoring;

/// <summary>One sample of a group's position on a partition: when it was taken, the committed offset (-1 when
/// never committed), the lag behind the log end, and when that offset was committed (-1 when never).</summary>
public readonly record struct LagObservation(long TimestampMs, long Offset, long Lag, long CommitTimestampMs);
