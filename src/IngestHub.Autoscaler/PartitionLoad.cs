namespace IngestHub.Autoscaler;

/// <summary>One partition as the policy sees it: its lag, and whether it is stalled (its committed offset stood
/// still for <c>stallAfter</c> while other partitions of the group moved — a stuck consumer, not a slow one).</summary>
public readonly record struct PartitionLoad(string Topic, int Partition, long Lag, bool Stalled);
