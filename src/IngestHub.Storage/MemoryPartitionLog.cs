using IngestHub.Protocol;
using IngestHub.Protocol.Records;

namespace IngestHub.Storage;

/// <summary>
/// The log of one partition kept in memory: the same behaviour as <see cref="PartitionLog"/> (validation, offsets,
/// whole-batch reads, segments rolled by segment.bytes / segment.ms so retention deletes the same batches, the high
/// watermark, truncation, leader epochs, lookup by time, DeleteRecords) without any file. Nothing survives the
/// process; flushes do nothing. For tests and throwaway appliances. The log cleaner does not compact it (a compacted
/// topic on this engine keeps every record; records without a key are still refused).
/// </summary>
public sealed class MemoryPartitionLog : IPartitionLog
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly List<Segment> _segments = [];
    private LogConfig _config;
    private long _logEnd;
    private long _logStart;
    private long? _highWatermark;
    private bool _closed;

    /// <summary>One stored batch: its bytes as appended (offsets assigned), never written again.</summary>
    private readonly record struct StoredBatch(long BaseOffset, long LastOffset, long MaxTimestamp, ReadOnlyMemory<byte> Bytes);

    /// <summary>Batches grouped as the disk engine groups them in segment files, for retention.</summary>
    private sealed class Segment(long baseOffset, long nowMs)
    {
        public long BaseOffset { get; } = baseOffset;
        public List<StoredBatch> Batches { get; } = [];
        public int Size { get; set; }
        public long MaxTimestamp { get; set; } = -1;
        public long NextOffset { get; set; } = baseOffset;
        public long LastWriteMs { get; set; } = nowMs;
        public long RollingBaseTimestamp { get; } = nowMs;

        public void Add(StoredBatch batch, long nowMs)
        {
            Batches.Add(batch);
            Size += batch.Bytes.Length;
            MaxTimestamp = Math.Max(MaxTimestamp, batch.MaxTimestamp);
            NextOffset = batch.LastOffset + 1;
            LastWriteMs = nowMs;
        }

        /// <summary>Drops the batches at and after the one holding <paramref name="offset"/>.</summary>
        public void CutAt(long offset)
        {
            int keep = Batches.FindIndex(b => b.LastOffset >= offset);
            if (keep < 0)
                return;
            Batches.RemoveRange(keep, Batches.Count - keep);
            Size = 0;
            MaxTimestamp = -1;
            foreach (var batch in Batches)
            {
                Size += batch.Bytes.Length;
                MaxTimestamp = Math.Max(MaxTimestamp, batch.MaxTimestamp);
            }
            NextOffset = Batches.Count == 0 ? BaseOffset : Batches[^1].LastOffset + 1;
        }
    }

    public MemoryPartitionLog(string name, LogConfig config, TimeProvider? time = null)
    {
        config.Validate();
        Name = name;
        _config = config;
        _time = time ?? TimeProvider.System;
        _segments.Add(new Segment(0, NowMs));
    }

    public string Name { get; }

    public LogConfig Config
    {
        get => Volatile.Read(ref _config);
        set
        {
            value.Validate();
            Volatile.Write(ref _config, value);
        }
    }

    public long LogStartOffset
    {
        get
        {
            lock (_gate)
                return _logStart;
        }
    }

    public long LogEndOffset
    {
        get
        {
            lock (_gate)
                return _logEnd;
        }
    }

    public long HighWatermark
    {
        get
        {
            lock (_gate)
                return ReadableEnd;
        }
    }

    public bool HasReplicatedHighWatermark
    {
        get
        {
            lock (_gate)
                return _highWatermark is not null;
        }
    }

    public long Size
    {
        get
        {
            lock (_gate)
                return _segments.Sum(s => (long)s.Size);
        }
    }

    public int SegmentCount
    {
        get
        {
            lock (_gate)
                return _segments.Count;
        }
    }

    public LeaderEpochCache LeaderEpochs { get; } = LeaderEpochCache.InMemory();

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private long ReadableEnd => _highWatermark is { } hw && hw < _logEnd ? hw : _logEnd;

    private Segment Active => _segments[^1];

    public AppendResult Append(Span<byte> batch, bool fsync = false)
    {
        if (RecordBatchHeader.TryRead(batch, out var header) == RecordBatchError.None && header.TotalSize != batch.Length && header.TotalSize <= batch.Length)
            return AppendResult.Failed(ErrorCode.CorruptMessage, RecordBatchError.InvalidRecord);
        return AppendBatches(batch, fsync);
    }

    public AppendResult AppendBatches(Span<byte> records, bool fsync = false) => AppendCore(records, assignOffsets: true);

    public AppendResult AppendAsFollower(Span<byte> records, bool fsync = false)
    {
        var result = AppendCore(records, assignOffsets: false);
        if (result.Succeeded)
            LeaderEpochs.FollowBatches(records);
        return result;
    }

    private AppendResult AppendCore(Span<byte> records, bool assignOffsets)
    {
        var config = Config;
        if (LogAppender.Validate(records, config, Name, out long offsetCount, out int batches) is { } refused)
            return refused;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            long now = NowMs;
            long baseOffset = _logEnd;
            long lastOffset = baseOffset + offsetCount - 1;
            bool logAppendTime = assignOffsets && config.MessageTimestampType == TimestampType.LogAppendTime;
            if (assignOffsets)
                LogAppender.AssignOffsets(records, baseOffset, logAppendTime ? now : -1);
            else if (!LogAppender.FollowsLogEnd(records, baseOffset, out lastOffset, out string? gap))
                return AppendResult.Failed(ErrorCode.InvalidRecord, RecordBatchError.InvalidRecord, gap);

            var segment = Active;
            if (segment.Size > 0 && ((long)segment.Size + records.Length > config.SegmentBytes
                || lastOffset - segment.BaseOffset > int.MaxValue
                || now - segment.RollingBaseTimestamp > config.SegmentMs))
                segment = Roll(baseOffset, now);
            byte[] copy = records.ToArray();
            for (int offset = 0; offset < copy.Length;)
            {
                RecordBatchHeader.TryRead(copy.AsSpan(offset), out var header);
                segment.Add(new StoredBatch(header.BaseOffset, header.LastOffset, header.MaxTimestamp, copy.AsMemory(offset, header.TotalSize)), now);
                offset += header.TotalSize;
            }
            _logEnd = lastOffset + 1;
            RecordBatchHeader.TryRead(records, out var first);
            return new AppendResult(ErrorCode.None, RecordBatchError.None, baseOffset, lastOffset,
                logAppendTime ? now : -1, _logStart, first, batches);
        }
    }

    private Segment Roll(long baseOffset, long now)
    {
        var segment = new Segment(baseOffset, now);
        _segments.Add(segment);
        return segment;
    }

    public LogReadResult Read(long offset, int maxBytes, bool minOneBatch = true) => Read(offset, maxBytes, minOneBatch, toLogEnd: false);

    public LogReadResult ReadAsReplica(long offset, int maxBytes) => Read(offset, maxBytes, minOneBatch: true, toLogEnd: true);

    private LogReadResult Read(long offset, int maxBytes, bool minOneBatch, bool toLogEnd)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            long readable = ReadableEnd;
            long end = toLogEnd ? _logEnd : readable;
            if (offset < _logStart || offset > _logEnd)
                return new LogReadResult(ErrorCode.OffsetOutOfRange, readable, _logStart);
            var result = new LogReadResult(ErrorCode.None, readable, _logStart);
            if (offset >= end)
                return result;
            long remaining = Math.Max(0, maxBytes);
            foreach (var batch in BatchesFrom(offset))
            {
                if (batch.BaseOffset >= end)
                    break;
                if (batch.Bytes.Length > remaining)
                {
                    if (result.Length == 0 && minOneBatch)
                        result.Add(batch.Bytes);
                    break;
                }
                result.Add(batch.Bytes);
                remaining -= batch.Bytes.Length;
                if (remaining <= 0)
                    break;
            }
            return result;
        }
    }

    /// <summary>The batches from the one holding <paramref name="offset"/> (or the first after it) to the log end.</summary>
    private IEnumerable<StoredBatch> BatchesFrom(long offset)
    {
        int start = FloorSegment(offset);
        for (int i = Math.Max(0, start); i < _segments.Count; i++)
        {
            var batches = _segments[i].Batches;
            int from = i == start ? FirstBatchHolding(batches, offset) : 0;
            for (int j = from; j < batches.Count; j++)
                yield return batches[j];
        }
    }

    private int FloorSegment(long offset)
    {
        int lo = 0, hi = _segments.Count - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_segments[mid].BaseOffset <= offset) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        return found;
    }

    private static int FirstBatchHolding(List<StoredBatch> batches, long offset)
    {
        int lo = 0, hi = batches.Count - 1, found = batches.Count;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (batches[mid].LastOffset >= offset) { found = mid; hi = mid - 1; }
            else lo = mid + 1;
        }
        return found;
    }

    public IEnumerable<RecordBatchHeader> ReadBatchHeaders(long fromOffset)
    {
        var headers = new List<RecordBatchHeader>();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            foreach (var batch in BatchesFrom(fromOffset))
            {
                RecordBatchHeader.TryRead(batch.Bytes.Span, out var header);
                headers.Add(header);
            }
        }
        return headers;
    }

    public long TruncateTo(long offset)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (offset >= _logEnd)
            {
                LeaderEpochs.TruncateFrom(_logEnd);
                return _logEnd;
            }
            long now = NowMs;
            var keep = new List<Segment>(_segments.Count);
            foreach (var segment in _segments)
            {
                if (segment.BaseOffset < offset || (keep.Count == 0 && segment.BaseOffset <= offset))
                    keep.Add(segment);
            }
            if (keep.Count == 0)
                keep.Add(new Segment(offset, now));
            var last = keep[^1];
            last.CutAt(Math.Max(offset, last.BaseOffset));
            _segments.Clear();
            _segments.AddRange(keep);
            _logEnd = last.NextOffset;
            if (_highWatermark > _logEnd)
                _highWatermark = _logEnd;
            if (_logStart > _logEnd)
                _logStart = _logEnd;
            LeaderEpochs.TruncateFrom(_logEnd);
            return _logEnd;
        }
    }

    public long SetHighWatermark(long offset)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            long target = Math.Clamp(offset, _logStart, _logEnd);
            long located = target;
            if (target < _logEnd)
            {
                foreach (var batch in BatchesFrom(target))
                {
                    located = batch.BaseOffset; // readers see whole batches only
                    break;
                }
            }
            _highWatermark = located;
            return located;
        }
    }

    public TimestampOffset? LookupOffsetByTimestamp(long timestamp)
    {
        lock (_gate)
        {
            if (timestamp == -2)
                return new TimestampOffset(_logStart, -1);
            if (timestamp == -1)
                return new TimestampOffset(_logEnd, -1);
            return FindTimestamp(timestamp);
        }
    }

    private TimestampOffset? FindTimestamp(long timestamp)
    {
        foreach (var segment in _segments)
        {
            if (segment.MaxTimestamp < timestamp || segment.NextOffset <= _logStart)
                continue;
            foreach (var batch in segment.Batches)
            {
                if (batch.MaxTimestamp >= timestamp && batch.LastOffset >= _logStart)
                {
                    var span = batch.Bytes.Span;
                    RecordBatchHeader.TryRead(span, out var header);
                    return RecordTimestamps.Find(span, header, timestamp, _logStart);
                }
            }
        }
        return null;
    }

    public TimestampOffset? LookupMaxTimestamp()
    {
        lock (_gate)
        {
            long max = -1;
            foreach (var segment in _segments)
            {
                if (segment.NextOffset > _logStart)
                    max = Math.Max(max, segment.MaxTimestamp);
            }
            return max < 0 ? null : FindTimestamp(max);
        }
    }

    public ErrorCode DeleteRecordsBefore(long offset)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (offset < 0 || offset > _logEnd)
                return ErrorCode.OffsetOutOfRange;
            if (offset <= _logStart)
                return ErrorCode.None;
            _logStart = offset;
            if (offset == _logEnd && Active.Size > 0)
                Roll(offset, NowMs);
            DropLeading((_, next, _) => next.BaseOffset <= _logStart, 0);
            return ErrorCode.None;
        }
    }

    public int ApplyRetention(long nowMs)
    {
        lock (_gate)
        {
            if (_closed)
                return 0;
            var config = Config;
            int deleted = DropLeading((_, next, _) => next.BaseOffset <= _logStart, nowMs);
            if (config.Delete && config.RetentionMs >= 0)
            {
                deleted += DropLeading((segment, _, now) =>
                    now - (segment.MaxTimestamp >= 0 ? segment.MaxTimestamp : segment.LastWriteMs) > config.RetentionMs, nowMs);
            }
            if (config.Delete && config.RetentionBytes >= 0)
            {
                long excess = _segments.Sum(s => (long)s.Size) - config.RetentionBytes;
                int count = 0;
                while (count < _segments.Count - 1 && excess - _segments[count].Size >= 0)
                {
                    excess -= _segments[count].Size;
                    count++;
                }
                deleted += Drop(count);
            }
            return deleted;
        }
    }

    /// <summary>Drops the oldest closed segments while <paramref name="predicate"/> (segment, the one after it, now) holds.</summary>
    private int DropLeading(Func<Segment, Segment, long, bool> predicate, long nowMs)
    {
        int count = 0;
        while (count < _segments.Count - 1 && predicate(_segments[count], _segments[count + 1], nowMs))
            count++;
        return Drop(count);
    }

    private int Drop(int count)
    {
        if (count == 0)
            return 0;
        _segments.RemoveRange(0, count);
        _logStart = Math.Max(_logStart, _segments[0].BaseOffset);
        return count;
    }

    public void FlushIfDue(long nowMs)
    {
    }

    public void Flush()
    {
        lock (_gate)
            ObjectDisposedException.ThrowIf(_closed, this);
    }

    public void FlushTo(long offset) => Flush();

    public void Close(bool clean = true)
    {
        lock (_gate)
            _closed = true;
    }

    public void Dispose() => Close();

    public override string ToString() => $"{Name} [{LogStartOffset}, {LogEndOffset}) in memory";
}
