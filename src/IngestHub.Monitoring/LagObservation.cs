namespace IngestHub.Monitoring;

/// <summary>One sample of a group's position on a partition, for lag charts: when it was taken, the committed offset
/// (-1 when never committed) and the lag behind the log end.</summary>
public readonly record struct LagObservation(long TimestampMs, long Offset, long Lag);
