namespace IngestHub.Streams;

/// <summary>One partition of a source spout task: committed offset (next to read after a restart), the last
/// offset emitted, tuples pending, records waiting for a retry, and records sent to the dead-letter topic.</summary>
public sealed record SourcePartitionStatus(string Topic, int Partition, long Committed, long LastEmitted, int Pending, int Retrying,
    long DeadLettered, bool Paused);
