using IngestHub.Protocol;
using IngestHub.Protocol.Records;

namespace IngestHub.Storage;

/// <summary>
/// The log of one partition as the broker and the replication layer use it, whatever keeps the bytes: appends (as
/// leader, offsets assigned here; as follower, at the leader's offsets), reads of whole batches, truncation of a
/// divergent tail, the high watermark, the leader-epoch cache, lookup by time, retention and flushing.
/// <see cref="PartitionLog"/> keeps it in segment files.
/// One writer at a time (the caller serialises appends and truncation); reads may run concurrently.
/// </summary>
public interface IPartitionLog : IDisposable
{
    /// <summary><c>&lt;topic&gt;-&lt;partition&gt;</c>.</summary>
    string Name { get; }

    /// <summary>The topic's log settings; replaced when the topic's config changes.</summary>
    LogConfig Config { get; set; }

    long LogStartOffset { get; }
    long LogEndOffset { get; }

    /// <summary>Readers see offsets below it: the log end offset, unless replication set one
    /// (<see cref="SetHighWatermark"/>).</summary>
    long HighWatermark { get; }

    /// <summary>True once replication manages the high watermark.</summary>
    bool HasReplicatedHighWatermark { get; }

    /// <summary>Bytes held by the log's batches.</summary>
    long Size { get; }

    /// <summary>Segments the batches are grouped in (retention deletes whole segments; the last is active).</summary>
    int SegmentCount { get; }

    /// <summary>Every leader epoch and the offset it began at, kept with the log (its checkpoint file on disk).
    /// Truncation and follower appends keep it in step with the batches.</summary>
    LeaderEpochCache LeaderEpochs { get; }

    /// <summary>Appends one record batch as leader: validated, offsets assigned by rewriting baseOffset in place.</summary>
    AppendResult Append(Span<byte> batch, bool fsync = false);

    /// <summary>Appends a produce request's records field (one or more batches) as leader: all are validated, then
    /// all are appended, or none.</summary>
    AppendResult AppendBatches(Span<byte> records, bool fsync = false);

    /// <summary>Appends batches exactly as a leader wrote them (offsets, epochs and timestamps untouched); the first
    /// must begin at the log end offset and the batches must be contiguous.</summary>
    AppendResult AppendAsFollower(Span<byte> records, bool fsync = false);

    /// <summary>Whole batches from the one holding <paramref name="offset"/>, up to <paramref name="maxBytes"/> (at
    /// least one batch with <paramref name="minOneBatch"/>), below the high watermark. OffsetOutOfRange below the
    /// log start or above the log end. Dispose the result after copying.</summary>
    LogReadResult Read(long offset, int maxBytes, bool minOneBatch = true);

    /// <summary>As <see cref="Read"/> but up to the log end, as a leader serves its followers.</summary>
    LogReadResult ReadAsReplica(long offset, int maxBytes);

    /// <summary>Headers of the batches from the one holding <paramref name="fromOffset"/> to the log end (for rebuilding
    /// producer state; not for the fetch path).</summary>
    IEnumerable<RecordBatchHeader> ReadBatchHeaders(long fromOffset);

    /// <summary>Removes every batch at and after <paramref name="offset"/> (rounded down to a batch start), and the
    /// leader epochs that began there. Returns the new log end offset.</summary>
    long TruncateTo(long offset);

    /// <summary>Sets the high watermark (clamped to [log start, log end], rounded down to a batch start); returns the
    /// high watermark now in effect.</summary>
    long SetHighWatermark(long offset);

    /// <summary>The first record whose timestamp is &gt;= <paramref name="timestamp"/>, never below the log start;
    /// null when none. -2 = earliest (log start), -1 = latest (log end; ListOffsets answers latest with the high
    /// watermark itself).</summary>
    TimestampOffset? LookupOffsetByTimestamp(long timestamp);

    /// <summary>The first record carrying the highest timestamp in the log; null when the log holds no record.</summary>
    TimestampOffset? LookupMaxTimestamp();

    /// <summary>DeleteRecords: moves the log start offset to <paramref name="offset"/> and drops segments wholly below
    /// it. OffsetOutOfRange above the log end.</summary>
    ErrorCode DeleteRecordsBefore(long offset);

    /// <summary>Drops closed segments past retention.ms / retention.bytes (cleanup.policy delete) or below the log
    /// start offset; the active segment stays. Returns the number of segments dropped.</summary>
    int ApplyRetention(long nowMs);

    /// <summary>Flushes per flush.ms and persists the recovery point when it moved.</summary>
    void FlushIfDue(long nowMs);

    /// <summary>Makes everything appended so far durable.</summary>
    void Flush();

    /// <summary>Makes everything up to <paramref name="offset"/> durable (shared with a flush that already covered it).</summary>
    void FlushTo(long offset);

    /// <summary>Closes the log. Clean: everything is made durable first.</summary>
    void Close(bool clean = true);
}
