namespace IngestHub.Broker.Groups.OffsetsTopic;

/// <summary>Value of an offset commit record (versions 0–4; this broker writes 3). A null value (tombstone) deletes
/// the commit. <see cref="ExpireTimestamp"/> exists only in version 1, <see cref="LeaderEpoch"/> from version 3.</summary>
public sealed record OffsetCommitValue(long Offset, int LeaderEpoch, string Metadata, long CommitTimestamp, long ExpireTimestamp = -1);
