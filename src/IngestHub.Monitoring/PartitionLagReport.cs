namespace IngestHub.Monitoring;

/// <summary>A group's position on one partition with its evaluated status: offsets, lag in records and (estimated)
/// seconds, Burrow status and reason, how many commits the window holds, and the member that owns the partition.</summary>
public sealed record PartitionLagReport(
    string Topic,
    int Partition,
    long CommittedOffset,
    long LogStartOffset,
    long LogEndOffset,
    long Lag,
    TimeLagEstimate TimeLag,
    PartitionLagStatus Status,
    string? Reason,
    int Commits,
    bool WindowComplete,
    long? LastCommitObservedMs,
    string? MemberId,
    string? ClientId,
    string? ClientHost);
