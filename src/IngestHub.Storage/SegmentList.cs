using IngestHub.Protocol.Records;
using Microsoft.Extensions.Logging;

namespace IngestHub.Storage;

/// <summary>Published after each append: the log end offset and where its bytes end.</summary>
internal sealed record LogEnd(long Offset, LogSegment Segment, int Position);

/// <summary>
/// The ordered segments of one <see cref="PartitionLog"/> and its published end: lookup of the segment holding an
/// offset or a timestamp, the batch boundary at an offset, and the roll to a new active segment. Readers take
/// lock-free snapshots (<see cref="Snapshot"/>, <see cref="End"/>); every change is made by the log's single writer
/// under the log's write lock.
/// </summary>
internal sealed class SegmentList
{
    private readonly string _directory;
    private readonly string _name;
    private readonly ILogger _logger;
    private LogSegment[] _segments;
    private LogEnd _end;

    public SegmentList(string directory, string name, ILogger logger, LogSegment[] segments)
    {
        _directory = directory;
        _name = name;
        _logger = logger;
        _segments = segments;
        var last = segments[^1];
        _end = new LogEnd(last.NextOffset, last, last.Size);
    }

    /// <summary>The segments, oldest first; all but the last are sealed.</summary>
    public LogSegment[] Snapshot => Volatile.Read(ref _segments);

    /// <summary>The log end: offset after the last appended batch, in the active segment.</summary>
    public LogEnd End => Volatile.Read(ref _end);

    /// <summary>Bytes of all segments.</summary>
    public long Size
    {
        get
        {
            long total = 0;
            foreach (var segment in Snapshot)
                total += segment.Size;
            return total;
        }
    }

    /// <summary>Publishes a new log end (writer only).</summary>
    public void Publish(LogEnd end) => Volatile.Write(ref _end, end);

    /// <summary>Publishes a new segment array (writer only).</summary>
    public void Replace(LogSegment[] segments) => Volatile.Write(ref _segments, segments);

    /// <summary>Publishes <paramref name="segments"/> and an end at the last one's end, as after a truncation.</summary>
    public LogEnd Reset(LogSegment[] segments)
    {
        Replace(segments);
        var last = segments[^1];
        var end = new LogEnd(last.NextOffset, last, last.Size);
        Publish(end);
        return end;
    }

    /// <summary>Drops the <paramref name="count"/> oldest segments from the list (the caller deletes their files) and
    /// returns the remaining ones.</summary>
    public LogSegment[] RemoveOldest(int count)
    {
        var remaining = _segments[count..];
        Replace(remaining);
        return remaining;
    }

    /// <summary>Index of the last segment whose base offset is at most <paramref name="offset"/>; -1 when none.</summary>
    public static int Floor(LogSegment[] segments, long offset)
    {
        int lo = 0, hi = segments.Length - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (segments[mid].BaseOffset <= offset) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        return found;
    }

    /// <summary>Bytes of <paramref name="segment"/> that readers of <paramref name="end"/> may see.</summary>
    public static long Limit(LogSegment segment, LogEnd end) => ReferenceEquals(segment, end.Segment) ? end.Position : segment.Size;

    /// <summary>Whether an append of <paramref name="bytes"/> ending at <paramref name="lastOffset"/> must go to a new
    /// segment: segment.bytes, the 32-bit relative offsets of the indexes, or segment.ms.</summary>
    public static bool ShouldRoll(LogSegment segment, int bytes, long lastOffset, long now, LogConfig config) =>
        segment.Size > 0 && ((long)segment.Size + bytes > config.SegmentBytes
            || lastOffset - segment.BaseOffset > int.MaxValue
            || now - segment.RollingBaseTimestamp > config.SegmentMs);

    /// <summary>Seals and fsyncs the active segment and starts a new one at <paramref name="baseOffset"/>.</summary>
    public LogSegment Roll(long baseOffset, long now, int indexIntervalBytes)
    {
        var end = _end;
        var old = end.Segment;
        old.Seal();
        old.Flush(indexes: true);
        var segment = LogSegment.Create(_directory, baseOffset, indexIntervalBytes, now);
        Replace([.. _segments, segment]);
        Publish(new LogEnd(end.Offset, segment, 0));
        _logger.LogDebug("{Log}: rolled segment at offset {Offset}", _name, baseOffset);
        return segment;
    }

    /// <summary>The batch boundary at <paramref name="offset"/> (the start of the batch holding it) below the log end.</summary>
    public LogEnd Locate(long offset)
    {
        var segments = _segments;
        var end = _end;
        var segment = segments[Math.Max(0, Floor(segments, offset))];
        return LocateIn(segment, Limit(segment, end), offset);
    }

    /// <summary>The batch boundary at <paramref name="offset"/> in the first <paramref name="limit"/> bytes of one segment.</summary>
    public static LogEnd LocateIn(LogSegment segment, long limit, long offset)
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

    /// <summary>
    /// Adds to <paramref name="result"/> the file ranges of whole batches from the one holding
    /// <paramref name="offset"/>, up to <paramref name="maxBytes"/> (at least one batch when
    /// <paramref name="minOneBatch"/>), never past <paramref name="end"/>. False when a segment of the snapshot is
    /// gone (deleted by retention meanwhile: the caller retries).
    /// </summary>
    public static bool CollectChunks(LogReadResult result, LogSegment[] segments, LogEnd end, long offset, int maxBytes, bool minOneBatch)
    {
        long remaining = Math.Max(0, maxBytes);
        int start = Floor(segments, offset);
        if (start < 0)
            start = 0;
        for (int i = start; i < segments.Length && segments[i].BaseOffset < end.Offset; i++)
        {
            var segment = segments[i];
            if (!result.TryReference(segment))
                return false;
            long limit = Limit(segment, end);
            long position = 0;
            if (i == start)
            {
                long relative = Math.Clamp(offset - segment.BaseOffset, 0, int.MaxValue);
                position = segment.Index.Lookup((int)relative).Position;
                while (position < limit)
                {
                    if (segment.ReadHeader(position, limit, out var header) != RecordBatchError.None)
                        return true; // undetected corruption: serve nothing past it
                    if (header.LastOffset >= offset)
                        break;
                    position += header.TotalSize;
                }
            }
            if (position >= limit)
                continue;
            long endPosition = FindEnd(segment, position, limit, remaining);
            if (endPosition == position)
            {
                if (result.Length > 0 || !minOneBatch || segment.ReadHeader(position, limit, out var header) != RecordBatchError.None)
                    return true;
                endPosition = position + header.TotalSize;
            }
            int length = (int)(endPosition - position);
            result.Add(segment.Handle, position, length);
            remaining -= length;
            if (endPosition < limit || remaining <= 0)
                return true;
        }
        return true;
    }

    /// <summary>Largest batch boundary at most <paramref name="budget"/> bytes after <paramref name="position"/>.</summary>
    private static long FindEnd(LogSegment segment, long position, long limit, long budget)
    {
        long want = position + budget;
        if (want >= limit)
            return limit;
        long p = Math.Max(segment.Index.LookupByPosition(want).Position, position);
        while (p < limit)
        {
            if (segment.ReadHeader(p, limit, out var header) != RecordBatchError.None || p + header.TotalSize > want)
                break;
            p += header.TotalSize;
        }
        return p;
    }

    /// <summary>The first record at or after <paramref name="logStart"/> whose timestamp is &gt;= <paramref name="timestamp"/>,
    /// below <paramref name="end"/>; null when there is none.</summary>
    public TimestampOffset? FindByTimestamp(long timestamp, LogEnd end, long logStart)
    {
        var segments = Snapshot;
        for (int i = 0; i < segments.Length && segments[i].BaseOffset < end.Offset; i++)
        {
            var segment = segments[i];
            if (segment.MaxTimestamp < timestamp || segment.NextOffset <= logStart)
                continue;
            if (!segment.TryAcquire())
                continue; // deleted by retention meanwhile: a later segment holds the answer
            try
            {
                var found = ScanForTimestamp(segment, end, timestamp, logStart);
                if (found is not null)
                    return found;
            }
            finally
            {
                segment.Release();
            }
        }
        return null;
    }

    /// <summary>Largest batch max-timestamp of the segments holding offsets in [<paramref name="logStart"/>, end); -1 when none.</summary>
    public long MaxTimestamp(LogEnd end, long logStart)
    {
        long max = -1;
        foreach (var segment in Snapshot)
        {
            if (segment.BaseOffset >= end.Offset || segment.NextOffset <= logStart)
                continue;
            max = Math.Max(max, segment.MaxTimestamp);
        }
        return max;
    }

    private static TimestampOffset? ScanForTimestamp(LogSegment segment, LogEnd end, long timestamp, long logStart)
    {
        long limit = Limit(segment, end);
        int startRelative = segment.TimeIndex.LookupBefore(timestamp).RelativeOffset;
        long position = segment.Index.Lookup(startRelative).Position;
        while (position < limit)
        {
            if (segment.ReadHeader(position, limit, out var header) != RecordBatchError.None)
                return null;
            if (header.MaxTimestamp >= timestamp && header.LastOffset >= logStart)
                return RecordTimestamps.Find(segment, position, header, timestamp, logStart);
            position += header.TotalSize;
        }
        return null;
    }

    /// <summary>Headers of the batches from the one containing <paramref name="fromOffset"/> to <paramref name="end"/>, in order.</summary>
    public IEnumerable<RecordBatchHeader> ReadBatchHeaders(long fromOffset, LogEnd end)
    {
        var segments = Snapshot;
        int start = Math.Max(0, Floor(segments, fromOffset));
        for (int i = start; i < segments.Length && segments[i].BaseOffset < end.Offset; i++)
        {
            var segment = segments[i];
            if (!segment.TryAcquire())
                continue;
            try
            {
                long limit = Limit(segment, end);
                long position = i == start
                    ? segment.Index.Lookup((int)Math.Clamp(fromOffset - segment.BaseOffset, 0, int.MaxValue)).Position
                    : 0;
                while (position < limit && segment.ReadHeader(position, limit, out var header) == RecordBatchError.None)
                {
                    position += header.TotalSize;
                    if (header.LastOffset >= fromOffset)
                        yield return header;
                }
            }
            finally
            {
                segment.Release();
            }
        }
    }
}
