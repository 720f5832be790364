namespace IngestHub.Monitoring;

/// <summary>A partition's status and, unless it is plainly OK, the reason in words.</summary>
public readonly record struct PartitionEvaluation(PartitionLagStatus Status, string? Reason);
