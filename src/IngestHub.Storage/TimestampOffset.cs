namespace IngestHub.Storage;

/// <summary>Answer of a lookup by timestamp: the offset found and the timestamp it carries (-1 when not applicable).</summary>
public readonly record struct TimestampOffset(long Offset, long Timestamp);
