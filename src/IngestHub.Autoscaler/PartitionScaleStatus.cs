namespace IngestHub.Autoscaler;

/// <summary>A partition as the last evaluation saw it: lag, committed offset, STALL or OK, how long its committed
/// offset has stood still, and its share of the target's lag.</summary>
public sealed record PartitionScaleStatus(string Topic, int Partition, long Lag, long CommittedOffset, bool Stalled, long StillForMs, double Share);
