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
            var end = Volatile.Read(ref _end);
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
            var end = _end;
            long target = Math.Clamp(offset, LogStartOffset, end.Offset);
            var located = target == end.Offset ? end : Locate(target);
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

    internal static bool FollowsLogEnd(ReadOnlySpan<byte> records, long logEnd, out long lastOffset, out string? problem)
    {
        lastOffset = logEnd - 1;
        problem = null;
        for (int offset = 0; offset < records.Length;)
        {
            RecordBatchHeader.TryRead(records[offset..], out var header);
            if (header.BaseOffset != lastOffset + 1)
            {
                problem = $"replicated batch starts at offset {header.BaseOffset}, expected {lastOffset + 1}";
                return false;
            }
            lastOffset = header.LastOffset;
            offset += header.TotalSize;
        }
        return true;
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
            if (offset >= _end.Offset)
            {
                LeaderEpochs.TruncateFrom(_end.Offset);
                return _end.Offset;
            }
            long now = NowMs;
            var segments = _segments;
            var keep = new List<LogSegment>(segments.Length);
            foreach (var segment in segments)
            {
                if (segment.BaseOffset < offset || (keep.Count == 0 && segment.BaseOffset <= offset))
                    keep.Add(segment);
                else
                    segment.Delete();
            }
            if (keep.Count == 0)
                keep.Add(LogSegment.Create(Directory, offset, Config.IndexIntervalBytes, now));
            var last = keep[^1];
            var cut = LocateIn(last, last.Size, Math.Max(offset, last.BaseOffset));
            last.TruncateFile(cut.Position);
            LogRecovery.RecoverSegment(last, last.BaseOffset, seal: false, _logger, Name);
            Volatile.Write(ref _segments, [.. keep]);
            var newEnd = new LogEnd(last.NextOffset, last, last.Size);
            Volatile.Write(ref _end, newEnd);
            if (Volatile.Read(ref _highWatermark) is { } hw && hw.Offset > newEnd.Offset)
                Volatile.Write(ref _highWatermark, newEnd);
            if (_logStartOffset > newEnd.Offset)
                Volatile.Write(ref _logStartOffset, newEnd.Offset);
            _recoveryPoint = Math.Min(_recoveryPoint, newEnd.Offset);
            FlushLocked(newEnd, now);
            LeaderEpochs.TruncateFrom(newEnd.Offset);
            _logger.LogWarning("{Log}: truncated to offset {Offset} to match the leader", Name, newEnd.Offset);
            return newEnd.Offset;
        }
    }

    /// <summary>The batch boundary at <paramref name="offset"/> (the start of the batch holding it) below the log end.</summary>
    private LogEnd Locate(long offset)
    {
        var segments = _segments;
        int index = Math.Max(0, FloorSegment(segments, offset));
        var segment = segments[index];
        long limit = ReferenceEquals(segment, _end.Segment) ? _end.Position : segment.Size;
        return LocateIn(segment, limit, offset);
    }

    private static LogEnd LocateIn(LogSegment segment, long limit, long offset)
    {
        long relative = Math.Clamp(offset - segment.BaseOffset, 0, int.MaxValue);
        long position = segment.Index.Lookup((int)relative).Position;
        long found = segment.BaseOffset;
        bool first = true;
        while (position < limit)
        {
            if (segment.ReadHeader(position, limit, out var header) != RecordBatchError.None)
                break;
            if (first)
            {
                found = header.BaseOffset;
                first = false;
            }
            if (header.LastOffset >= offset)
                return new LogEnd(header.BaseOffset, segment, (int)position);
            position += header.TotalSize;
            found = header.LastOffset + 1;
        }
        return new LogEnd(Math.Min(found, offset), segment, (int)position);
    }
}
