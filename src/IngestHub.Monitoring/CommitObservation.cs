namespace IngestHub.Monitoring;

/// <summary>One observed commit of a group on a partition, as Burrow stores it: the committed offset, when the
/// commit was observed, and the lag at that moment (log end − offset, never negative).</summary>
public readonly record struct CommitObservation(long TimestampMs, long Offset, long Lag);
