using IngestHub.Protocol;
using IngestHub.Protocol.Records;
using Microsoft.Extensions.Logging;

namespace IngestHub.Storage;

/// <summary>
/// What a replicated partition needs from its log: a high watermark set by the replication protocol (readers
/// stop there, replicas read to the log end), appends of a leader's batches at the offsets the leader gave them,
/// and truncation of a divergent tail. A log whose high watermark was never set behaves as a single-node log
/// (high watermark = log end offset).
/// </summary>
public sealed partial class PartitionLog
{
    /// <summary>Null until the replication protocol sets a high watermark.</summary>
    private LogEnd? _highWatermark;

    /// <summary>The end readers may see: the high watermark when replication set one, else the log end.</summary>
    private LogEnd ReadableEnd
    {
        get
        {
            var hw = Volatile.Read(ref _highWatermark);
            var end = _segments.End;
            return hw is null || hw.Offset >= end.Offset ? end : hw;
        }
    }

    /// <summary>True once replication manages the high watermark.</summary>
    public bool HasReplicatedHighWatermark => Volatile.Read(ref _highWatermark) is not null;

    /// <summary>
    /// Sets the high watermark (clamped to [log start, log end]); an offset inside a batch is rounded down to that
    /// batch's start, since readers see whole batches only. Returns the high watermark now in effect.
    /// </summary>
    public long SetHighWatermark(long offset)
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            var end = _segments.End;
            long target = Math.Clamp(offset, LogStartOffset, end.Offset);
            var located = target == end.Offset ? end : _segments.Locate(target);
            Volatile.Write(ref _highWatermark, located);
            return located.Offset;
        }
    }

    /// <summary>Reads whole batches up to the log end (not the high watermark), as a leader serves its followers.</summary>
    public LogReadResult ReadAsReplica(long offset, int maxBytes) => Read(offset, maxBytes, minOneBatch: true, toLogEnd: true);

    /// <summary>
    /// Appends batches exactly as a leader wrote them (offsets, epochs and timestamps untouched), so replicas stay
    /// byte-identical. The first batch must begin at the log end offset and the batches must be contiguous.
    /// </summary>
    public AppendResult AppendAsFollower(Span<byte> records, bool fsync = false)
    {
        var result = AppendBatches(records, fsync, assignOffsets: false);
        if (result.Succeeded)
            LeaderEpochs.FollowBatches(records);
        return result;
    }

    /// <summary>
    /// Removes every batch at and after <paramref name="offset"/> (rounded down to a batch start): later segments
    /// are deleted, the one holding the offset is cut and its indexes rebuilt. The high watermark and log start
    /// follow when they were beyond it, and the leader epochs that began at or after the new end are forgotten. Returns the new log end offset.
    /// </summary>
    public long TruncateTo(long offset)
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            var end = _segments.End;
            if (offset >= end.Offset)
            {
                LeaderEpochs.TruncateFrom(end.Offset);
                return end.Offset;
            }
            long now = NowMs;
            var newEnd = _appender.TruncateTo(offset, now, Config);
            if (Volatile.Read(ref _highWatermark) is { } hw && hw.Offset > newEnd.Offset)
                Volatile.Write(ref _highWatermark, newEnd);
            _retention.ClampTo(newEnd.Offset);
            _flush.ClampTo(newEnd.Offset);
            _flush.Flush(newEnd, now);
            LeaderEpochs.TruncateFrom(newEnd.Offset);
            _logger.LogWarning("{Log}: truncated to offset {Offset} to match the leader", Name, newEnd.Offset);
            return newEnd.Offset;
        }
    }
}
