namespace IngestHub.Broker.Groups;

/// <summary>
/// Progress of a group on one partition. A partition assigned but never committed has CommittedOffset -1 and
/// its lag counted from offset 0 (lag = log end offset), which overstates lag once retention has removed the
/// log's head but never hides an idle consumer. LogEndOffset and Lag are null when the partition is unknown.
/// </summary>
public sealed record GroupPartitionLag(
    string Topic,
    int Partition,
    long CommittedOffset,
    long? LogEndOffset,
    long? Lag,
    DateTimeOffset? CommitTimestamp,
    string? Metadata);
