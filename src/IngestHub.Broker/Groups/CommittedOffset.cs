namespace IngestHub.Broker.Groups;

/// <summary>One committed position of a group on a partition, as the client sent it.</summary>
public readonly record struct CommittedOffset(long Offset, int LeaderEpoch, string? Metadata, long CommitTimestampMs);
