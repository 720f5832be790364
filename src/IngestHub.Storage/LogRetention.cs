using Microsoft.Extensions.Logging;

namespace IngestHub.Storage;

/// <summary>
/// The log start offset of a <see cref="PartitionLog"/> (persisted in <see cref="PartitionLog.LogStartOffsetFile"/>) and
/// what moves it: DeleteRecords, and the deletion of closed segments below it, past retention.ms or beyond
/// retention.bytes. The active segment is never deleted. Changed only under the log's write lock.
/// </summary>
internal sealed class LogRetention
{
    private readonly SegmentList _segments;
    private readonly string _checkpointPath;
    private readonly string _name;
    private readonly ILogger _logger;
    private long _logStartOffset;

    public LogRetention(SegmentList segments, string directory, string name, ILogger logger, long logStartOffset)
    {
        _segments = segments;
        _checkpointPath = Path.Combine(directory, PartitionLog.LogStartOffsetFile);
        _name = name;
        _logger = logger;
        _logStartOffset = logStartOffset;
    }

    public long LogStartOffset => Volatile.Read(ref _logStartOffset);

    /// <summary>DeleteRecords: moves the log start offset to <paramref name="offset"/> (persisted) and deletes segments
    /// wholly below it; an active segment that would hold nothing readable is rolled first. OffsetOutOfRange beyond the
    /// log end.</summary>
    public Protocol.ErrorCode DeleteRecordsBefore(long offset, long now, int indexIntervalBytes)
    {
        var end = _segments.End;
        if (offset < 0 || offset > end.Offset)
            return Protocol.ErrorCode.OffsetOutOfRange;
        if (offset <= _logStartOffset)
            return Protocol.ErrorCode.None;
        Volatile.Write(ref _logStartOffset, offset);
        WriteCheckpoint();
        if (offset == end.Offset && end.Segment.Size > 0)
            _segments.Roll(offset, now, indexIntervalBytes);
        DeleteOldSegments(static (_, next, start, _) => next is not null && next.BaseOffset <= start, "below log start offset", 0);
        return Protocol.ErrorCode.None;
    }

    /// <summary>Deletes closed segments below the log start offset, and under cleanup.policy delete those past
    /// retention.ms (judged by their largest timestamp, or file time when they have none) and beyond retention.bytes.
    /// Returns the number of segments deleted.</summary>
    public int Apply(LogConfig config, long nowMs)
    {
        int deleted = DeleteOldSegments(static (_, next, start, _) => next is not null && next.BaseOffset <= start, "below log start offset", nowMs);
        if (config.Delete && config.RetentionMs >= 0)
        {
            long retentionMs = config.RetentionMs;
            deleted += DeleteOldSegments((segment, _, _, now) =>
            {
                long largest = segment.MaxTimestamp >= 0 ? segment.MaxTimestamp : segment.LastModifiedMs;
                return now - largest > retentionMs;
            }, "retention.ms", nowMs);
        }
        if (config.Delete && config.RetentionBytes >= 0)
        {
            long excess = _segments.Size - config.RetentionBytes;
            foreach (var segment in _segments.Snapshot)
            {
                if (ReferenceEquals(segment, _segments.End.Segment) || excess - segment.Size < 0)
                    break;
                excess -= segment.Size;
                deleted += DeleteOldSegments((s, _, _, _) => ReferenceEquals(s, segment), "retention.bytes", nowMs);
            }
        }
        return deleted;
    }

    /// <summary>Lowers the log start offset to <paramref name="offset"/> when it is beyond it (a truncation; not persisted
    /// until the next change or a clean close, as before).</summary>
    public void ClampTo(long offset)
    {
        if (_logStartOffset > offset)
            Volatile.Write(ref _logStartOffset, offset);
    }

    public void WriteCheckpoint() => OffsetCheckpoint.Write(_checkpointPath, _logStartOffset);

    /// <summary>Deletes the oldest closed segments while <paramref name="predicate"/> (segment, the next one, the log
    /// start offset, the time) holds.</summary>
    private int DeleteOldSegments(Func<LogSegment, LogSegment?, long, long, bool> predicate, string reason, long nowMs)
    {
        var segments = _segments.Snapshot;
        int count = 0;
        while (count < segments.Length - 1 && predicate(segments[count], segments[count + 1], _logStartOffset, nowMs))
            count++;
        if (count == 0)
            return 0;
        var remaining = _segments.RemoveOldest(count);
        long newStart = Math.Max(_logStartOffset, remaining[0].BaseOffset);
        if (newStart != _logStartOffset)
        {
            Volatile.Write(ref _logStartOffset, newStart);
            WriteCheckpoint();
        }
        for (int i = 0; i < count; i++)
        {
            _logger.LogInformation("{Log}: deleting segment {BaseOffset} ({Bytes} bytes, offsets {BaseOffset}..{Last}) by {Reason}",
                _name, segments[i].BaseOffset, segments[i].Size, segments[i].BaseOffset, segments[i].NextOffset - 1, reason);
            segments[i].Delete();
        }
        return count;
    }
}
